// Client properties, their defaults, and how they are read. No DOM here.

export const DEFAULTS = {
  samplingRate: 5000,
  entriesRate: 500,
  maxEntries: 50,
  ignoreResources: '/rum',
  savingMode: true,
  newSessionAfter: 300000,
  stopCollectorAfter: 60000,
  viewId: '',
  labels: '',
  trackResources: true,
  trackHeroes: true,
  trackConsole: true,
  trackErrors: true,
  profilingSampleRate: 0,
  sessionSampleRate: 100,
  // Global Privacy Control and Do Not Track stop collection (rum_privacy_signals)
  privacySignals: true,
  // true/false when the server drew the profiling sample, null when it did not
  profiling: null,
}

const coerce = (v, def, cur) => {
  if (typeof def == 'number') {
    const n = v === '' ? NaN : +v
    return isFinite(n) && n >= 0 ? n : cur
  }
  if (typeof def == 'string') return v == null ? cur : String(v)
  if (v === true || v === 'true' || v === '' || v === '1') return true
  if (v === false || v === 'false' || v === '0') return false
  return cur
}

// Later sources win; dataset strings ("3000", "false") become numbers and
// booleans; invalid values keep the earlier one.
export function mergeConfig(...sources) {
  const cfg = {}
  for (const k in DEFAULTS) {
    let v = DEFAULTS[k]
    for (const s of sources) if (s && s[k] !== undefined) v = coerce(s[k], DEFAULTS[k], v)
    cfg[k] = v
  }
  return cfg
}

// 'env=production, versionApp=1' -> ['env=production', 'versionApp=1']
export const parseLabels = s =>
  s == null ? [] : String(s).split(',').map(l => l.trim()).filter(Boolean)

// Percentage draw: rate 100 always, 0 never.
export const draw = (rate, rnd = Math.random) => rnd() * 100 < rate
