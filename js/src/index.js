// CRUM browser client: collects the seed's sections and sends them as
// beacons to the URL it was loaded from.

import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals'
import { mergeConfig, parseLabels, draw } from './config.js'
import { parseUA, fromBrands, vendor, isMobile } from './ua.js'
import { resolveSession, sessionDuration } from './session.js'
import {
  LIMIT, hasNews, fit, takeCount, resourceType, ignored,
  round, round1, trunc, text, plain, flat,
} from './payload.js'
import { createTransport, gzip } from './transport.js'
import { createProfiler } from './profiler.js'

const w = window, d = document, perf = performance, nav = navigator, loc = location
const script = d.currentScript || d.getElementById('CRUM')
const g = w.CRUM && typeof w.CRUM == 'object' ? w.CRUM : {}

if (!g.version) {
  g.version = '1'
  w.CRUM = g
  main()
}

function main() {
  const mode = new URLSearchParams(loc.search).get('debug')
  const dry = mode == 'dry'
  const log = dry || mode == '1' ? (...a) => console.log('[CRUM]', ...a) : () => {}
  const cfg = mergeConfig(script?.dataset, g)
  const url = script?.src || '/rum'
  const now = () => Date.now()
  const uid = () => (crypto.randomUUID ? crypto.randomUUID()
    : now().toString(36) + Math.random().toString(36).slice(2))
  const push = (list, item, max = 100) => list.length < max && list.push(item)

  // session: localStorage, or memory where storage is blocked
  const KEY = 'crum_session'
  let memory
  const load = () => {
    try { return JSON.parse(localStorage.getItem(KEY)) || memory } catch { return memory }
  }
  const save = s => {
    memory = s
    try { localStorage.setItem(KEY, JSON.stringify(s)) } catch {}
  }
  // the stored session (another tab may have renewed it), renewed if too old
  let session
  const renew = fresh => save(session = resolveSession(fresh ? null : load() || session, now(), cfg, uid))

  // the visitor's choices: CRUM.optOut(), remembered in this browser until
  // CRUM.optIn() (collection starts again with the next page); Global
  // Privacy Control and Do Not Track, unless privacySignals is false
  const OUT = 'crum_optout'
  const store = f => { try { return f(localStorage) } catch {} }
  let quit
  const labels = parseLabels(cfg.labels)
  const api = {
    setViewId: () => {},
    addToLabels: l => labels.push(...parseLabels(l)),
    addEvent: () => {},
    optOut: () => {
      store(s => s.setItem(OUT, 1) + s.removeItem(KEY))
      quit?.()
    },
    optIn: () => store(s => s.removeItem(OUT)),
  }
  const replay = () => {
    const q = g.q
    Object.assign(g, api)
    delete g.q
    if (Array.isArray(q)) for (const [f, a] of q) try { api[f]?.(...a) } catch {}
  }

  if (cfg.privacySignals && (nav.globalPrivacyControl || nav.doNotTrack == 1) ||
    store(s => s.getItem(OUT))) return replay()

  renew()
  log('init', cfg, session)
  if (!session.sampled) {
    // not monitored: keep the session (and its draw) alive, nothing else
    addEventListener('pagehide', () => renew())
    log('unsampled')
    return replay()
  }

  const transport = createTransport(url, {
    fetch,
    beacon: (u, b) => nav.sendBeacon(u, b),
    gzip,
    dry,
  })

  // per-view state; the arrays are the events of the current sample
  let view, seq, prev, metrics, manual = false, stopped = false
  const pend = {
    longTasks: [], longAnimationFrames: [], marks: [], console: [],
    actions: [], events: [], fps: [],
  }
  const types = {}
  const entries = []

  // the route of a location (or a view): its path, and its hash when that
  // is a route (#/cart, #!/cart), not an anchor (#faq)
  const routeOf = (l = loc) => l.pathname + (/^#!?\//.test(l.hash) ? l.hash : '')
  const newView = (id, startTime, referer, navigationType) => {
    view = { id: id || routeOf(), startTime: round(startTime) }
    for (const k of 'href protocol host hostname port pathname search hash origin'.split(' ')) view[k] = loc[k]
    view.referer = referer
    view.navigationType = navigationType
    seq = 0
    prev = null
    metrics = {}
  }
  newView(cfg.viewId, perf.timeOrigin, d.referrer, perf.getEntriesByType('navigation')[0]?.type || 'navigate')

  // every beacon carries the session and the view
  const ids = () => ({
    // id, startTime, lastLoop (not the draw, which stays in the browser)
    session: { ...session, sampled: undefined, duration: sessionDuration(session) },
    view: { ...view },
  })
  // a beacon of that kind, with these in its view
  const beacon = (kind, v) => {
    const p = ids()
    p.kind = kind
    Object.assign(p.view, v)
    return p
  }

  function send(p, urgent) {
    p.id = uid()
    p.seq = seq++
    log('send', p.kind, urgent ? 'beacon' : 'fetch', p)
    return transport.send(fit(p), urgent)
  }

  // -- attributes
  let charging = false
  nav.getBattery?.().then(b => charging = b.charging, () => {})
  const ua = nav.userAgent, uad = nav.userAgentData
  const brand = uad?.brands?.length && fromBrands(uad.brands)
  const attributes = () => {
    const c = nav.connection
    return {
      labels,
      ...(brand ? { ...brand, uaParser: 'userAgentData' } : { ...parseUA(ua), uaParser: 'userAgent' }),
      ua,
      connection: c && { effectiveType: c.effectiveType, rtt: c.rtt, downlink: c.downlink, saveData: c.saveData },
      device: {
        type: isMobile(ua, uad?.mobile) ? 'mobile' : 'desktop',
        platform: vendor(uad?.platform || nav.platform || ua),
        memory: nav.deviceMemory,
        cpu: nav.hardwareConcurrency,
        charging,
      },
    }
  }

  // -- the sample beacon
  function sample() {
    const p = ids(), v = p.view
    v.visibility = d.visibilityState
    v.usedMemory = perf.memory?.usedJSHeapSize
    // a copy: each count is a new object (see the resource observer)
    if (cfg.trackResources) v.resourceTypes = { ...types }
    for (const k in pend) v[k] = pend[k].slice()
    return Object.assign(p, {
      kind: 'sample',
      attributes: attributes(),
      audits: { crossOriginIsolated: !!w.crossOriginIsolated },
      metrics: { ...metrics },
      dropped: transport.dropped || undefined,
    })
  }

  // build a sample and send it, unless savingMode finds nothing new in it;
  // the beacon at hide always goes (another before the page is seen again
  // only with news), and one at least every newSessionAfter / 2, so that
  // the server sees the session live
  let sent = 0
  function tick(urgent, again) {
    const p = sample()
    if (cfg.savingMode && prev && (again || !urgent && now() - sent < cfg.newSessionAfter / 2) &&
      !hasNews(prev, p)) return log('skip')
    for (const k in pend) pend[k].length = 0
    prev = p
    sent = now()
    send(p, urgent)
  }

  // -- navigation timing (metrics of the page load view)
  const timing = () => {
    const n = perf.getEntriesByType('navigation')[0]
    if (!n || view.navigationType == 'soft' || view.navigationType == 'back_forward_cache') return
    const dcl = n.domContentLoadedEventStart, set = (k, v) => { metrics[k] = round(v) }
    set('responseTime', n.responseEnd - n.responseStart)
    set('domContentLoadedEventStart', dcl)
    set('domContentLoadedEventEnd', n.domContentLoadedEventEnd)
    set('domContentLoadedDuration', n.domContentLoadedEventEnd - dcl)
    set('domComplete', n.domComplete)
    if (n.loadEventEnd) {
      set('renderDuration', n.loadEventEnd - dcl)
      set('duration', n.duration)
    }
  }

  // -- Core Web Vitals from web-vitals
  const vital = m => {
    metrics[m.name.toLowerCase()] = m.name == 'CLS' ? Math.round(m.value * 1e4) / 1e4 : round(m.value)
  }
  const all = { reportAllChanges: true }
  onLCP(vital, all)
  onCLS(vital, all)
  onINP(vital, all)
  onFCP(vital)
  onTTFB(vital)

  // -- performance entries
  const observe = (type, fn) => {
    if (!PerformanceObserver.supportedEntryTypes.includes(type)) return
    new PerformanceObserver(l => l.getEntries().forEach(fn)).observe({ type, buffered: true })
  }

  // profiling: server's draw (`profiling`) or ours; needs Document-Policy
  const profile = (cfg.profiling ?? draw(cfg.profilingSampleRate)) &&
    createProfiler((p, last) => send(Object.assign(p, ids()), last)) || null

  observe('paint', e => { if (e.name == 'first-paint') metrics.fp = round(e.startTime) })
  observe('first-input', e => { metrics.fid = round(e.processingStart - e.startTime) })
  observe('longtask', e => push(pend.longTasks, { duration: round(e.duration), name: e.name, startTime: round(e.startTime) }))
  observe('long-animation-frame', e => {
    profile?.loaf(e)
    const f = flat(e.toJSON())
    f.scripts = e.scripts.slice(0, 10).map(x => flat(x.toJSON()))
    push(pend.longAnimationFrames, f, 50)
  })
  cfg.trackHeroes && observe('mark', e => {
    if (e.name.startsWith('HE-')) {
      push(pend.marks, { name: trunc(e.name, 200), detail: plain(e.detail), startTime: round(e.startTime) })
    }
  })

  // resources: counted, queued, sent in `entries` beacons
  let started = false, entriesTimer = 0
  const drain = urgent => {
    entriesTimer = 0
    if (!entries.length) return
    const wrap = resources => beacon('entries', { resources })
    const n = takeCount(entries, cfg.maxEntries, LIMIT - 256, wrap)
    const ok = send(wrap(entries.splice(0, n)), urgent)
    schedule()
    return ok && entries.length
  }
  const schedule = () => {
    if (started && !stopped && !entriesTimer && entries.length) entriesTimer = setTimeout(drain, cfg.entriesRate)
  }
  cfg.trackResources && observe('resource', e => {
    if (ignored(e.name, cfg.ignoreResources, url)) return
    const t = resourceType(e.name, e.initiatorType)
    types[t] = { count: (types[t]?.count || 0) + 1 }
    const r = flat(e.toJSON(), 500)
    r.serverTiming = e.serverTiming.slice(0, 10).map(x => x.toJSON())
    push(entries, r, 1000)
    schedule()
  })

  // -- console and errors, all in view.console; those from before the
  // client ran come from the loader's hooks ([type, args, time] in CRUM.e)
  const capture = (type, args, t = perf.now()) =>
    push(pend.console, { type, timeStamp: round1(t), value: { ...args.slice(0, 10).map(text) } }, 50)
  g.e?.forEach(e => capture(...e))
  cfg.trackConsole && ['error', 'warn', 'debug'].forEach(type => {
    const orig = console[type]
    console[type] = function (...a) {
      capture(type, a)
      return orig.apply(this, a)
    }
  })
  if (cfg.trackErrors) {
    addEventListener('error', e => capture('uncaught', [e.error || e.message, `${e.filename}:${e.lineno}:${e.colno}`]))
    addEventListener('unhandledrejection', e => capture('unhandledrejection', [e.reason]))
  }

  // -- actions and events
  d.addEventListener('click', e => {
    const el = e.target?.closest?.('[crum-action]')
    if (!el) return
    push(pend.actions, {
      pointerType: e.pointerType || '', type: e.type, target: el.tagName.toLowerCase(),
      timeStamp: round1(e.timeStamp), name: trunc(el.getAttribute('crum-action'), 200),
    })
    // crum-send: send now (a navigation may follow), after the page's own
    // click handlers so that the events they add go along
    if (el.hasAttribute('crum-send')) setTimeout(() => {
      if (!pend.actions.length) return
      send(beacon('action', { actions: pend.actions.splice(0), events: pend.events.splice(0) }), true)
    })
  }, { capture: true, passive: true })

  api.addEvent = (name, context) => push(pend.events, { [trunc(name, 64)]: plain(context) })

  // -- fps: count animation frames over a tenth of a second, once per
  // sample (each frame asked for costs the page some 0.1 ms of main thread
  // in Chromium: 6 frames at 60 Hz, where 500 ms took 30)
  const fps = () => {
    if (d.hidden) return
    let first, n = -1
    const frame = t => {
      first ??= t
      n++
      if (t - first < 100) requestAnimationFrame(frame)
      else push(pend.fps, { timeStamp: round1(first), fps: round((n * 1000) / (t - first)) }, 12)
    }
    requestAnimationFrame(frame)
  }

  // -- views: SPA navigations, setViewId, bfcache restores
  const switchView = (id, type) => {
    tick(false)
    newView(id, now(), view.href, type)
  }
  api.setViewId = id => {
    manual = true
    id = trunc(id, 200)
    if (id == view.id) return
    if (seq == 0) view.id = id
    else switchView(id, 'soft')
  }
  const route = () => {
    if (!manual && routeOf() != routeOf(view)) switchView('', 'soft')
    else view.hash = loc.hash, view.href = loc.href
  }
  for (const m of ['pushState', 'replaceState']) {
    const orig = history[m]
    history[m] = function (...a) {
      const r = orig.apply(this, a)
      route()
      return r
    }
  }
  addEventListener('popstate', route)
  addEventListener('hashchange', route)

  // -- lifecycle: init now, first round after load, then every samplingRate
  let loop = 0, hiddenTimer = 0
  const round0 = () => {
    if (started) return
    started = true
    // hidden since before load for stopCollectorAfter: restart() runs the loop
    if (stopped) return
    timing()
    tick(false)
    schedule()
    fps()
    loop = setInterval(sampleLoop, cfg.samplingRate)
  }
  function sampleLoop() {
    if (d.hidden || stopped) return
    renew()
    if (!session.sampled) return halt()
    timing()
    if (profile?.busy()) profile.rotate()
    tick(false)
    fps()
  }
  // page hidden or going away: the last data, unload-safe. A page left
  // gets both events (pagehide, then visibilitychange in Chromium): the
  // second sends only what is new since the first
  let left = false
  const flush = () => {
    if (stopped) return
    timing()
    tick(true, left)
    left = true
    profile?.rotate(true)
    while (drain(true));
    transport.flush()
  }
  const halt = () => {
    log('stop')
    stopped = true
    clearInterval(loop)
    clearTimeout(entriesTimer)
    entriesTimer = 0
  }
  quit = () => {
    halt()
    transport.off()
  }
  const restart = () => {
    if (transport.off.done) return
    renew(true)
    if (!session.sampled) return
    log('restart')
    stopped = false
    prev = null
    if (started) loop = setInterval(sampleLoop, cfg.samplingRate)
    schedule()
  }
  // hidden for stopCollectorAfter: stop, also when the page was opened hidden
  // (a background tab), which no visibilitychange tells; a prerendered page
  // is hidden until the user comes to it, not left by the user
  if (d.hidden && !d.prerendering) hiddenTimer = setTimeout(halt, cfg.stopCollectorAfter)
  d.addEventListener('visibilitychange', () => {
    clearTimeout(hiddenTimer)
    if (d.hidden) {
      flush()
      hiddenTimer = setTimeout(halt, cfg.stopCollectorAfter)
    } else {
      left = false
      profile?.resume()
      if (stopped) restart()
    }
  })
  addEventListener('pagehide', flush)
  addEventListener('pageshow', e => {
    if (!e.persisted) return
    clearTimeout(hiddenTimer)
    renew()
    newView(manual ? view.id : '', now(), view.href, 'back_forward_cache')
    profile?.resume()
    if (stopped) restart()
  })

  replay()
  if (d.readyState == 'complete') setTimeout(round0)
  else addEventListener('load', () => setTimeout(round0))
}
