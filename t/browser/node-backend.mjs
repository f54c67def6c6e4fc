// A stand-in for nginx + the module: serves the site with the loader snippet
// of docs/CONTRACTS.md injected, serves the client at /rum and records the
// beacons POSTed to it.

import { createServer } from 'node:http'
import { readFileSync, existsSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { join, dirname, extname } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const SITE = join(here, 'site')
const CLIENT = join(here, '../../js/dist/crum.js')
const TYPES = { '.html': 'text/html', '.svg': 'image/svg+xml', '.css': 'text/css', '.js': 'application/javascript' }
export const NONCE = 'r4nd0mN0nce'

// what the module's rum_config / filter would do per page
const BASE = { samplingRate: 1000, labels: 'env=test, app=e2e' }
const PAGES = {
  '/index.html': { config: { samplingRate: 60000 } },
  '/profile.html': { config: { profiling: true }, headers: { 'Document-Policy': 'js-profiling' } },
  '/stop.html': { config: { stopCollectorAfter: 3000 } },
  '/csp.html': { headers: { 'Content-Security-Policy': `script-src 'nonce-${NONCE}'` } },
}

const esc = s => s.replace(/[<>&\u2028\u2029]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))

// the loader's early capture, as the module writes it
const EARLY = 'c.e=[];function e(t,a){c.version||c.e.length>49||c.e.push([t,a,performance.now()])}' +
  'addEventListener("error",function(x){e("uncaught",[x.error||x.message,x.filename+":"+x.lineno+":"+x.colno])});' +
  'addEventListener("unhandledrejection",function(x){e(x.type,[x.reason])});' +
  '["error","warn","debug"].forEach(function(t,f){f=console[t];console[t]=function(){e(t,[].slice.call(arguments));' +
  'return f.apply(this,arguments)}});'

export function snippet(config, url, nonce) {
  return `<script${nonce ? ` nonce="${nonce}"` : ''}>(function(w,d,s,u,o){var c=w[o]=w[o]||{},k=${esc(JSON.stringify(config))},n;` +
    'c.q=c.q||[];["setViewId","addToLabels","addEvent","optOut","optIn"].forEach(function(f){' +
    'c[f]=c[f]||function(){c.q.push([f,[].slice.call(arguments)])}});' +
    'for(n in k)c[n]=k[n];' + EARLY + 's=d.createElement(s);s.async=1;s.id=o;s.src=u;' +
    `${nonce ? `s.nonce=${JSON.stringify(nonce)};` : ''}d.head.appendChild(s)})(window,document,"script",${JSON.stringify(url)},"CRUM")</script>`
}

export async function start() {
  const beacons = []
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Content-Type, Content-Encoding' }
    if (path == '/rum') {
      if (req.method == 'OPTIONS') return res.writeHead(204, cors).end()
      if (req.method == 'GET') {
        return res.writeHead(200, { ...cors, 'Content-Type': 'application/javascript' }).end(readFileSync(CLIENT))
      }
      const chunks = []
      req.on('data', c => chunks.push(c))
      req.on('end', () => {
        let body = Buffer.concat(chunks)
        const encoding = req.headers['content-encoding'] || ''
        let payload = null
        try {
          if (encoding == 'gzip') body = gunzipSync(body)
          payload = JSON.parse(body.toString('utf8'))
        } catch {}
        beacons.push({ ts: Date.now(), contentType: req.headers['content-type'], encoding, bytes: body.length, payload })
        res.writeHead(payload ? 204 : 400, cors).end()
      })
      return
    }
    let file = join(SITE, path == '/' ? 'index.html' : path)
    if (path.startsWith('/spa/')) file = join(SITE, 'spa.html')
    if (!file.startsWith(SITE) || !existsSync(file)) return res.writeHead(404).end('not found')
    const page = PAGES[path] || {}
    let body = readFileSync(file)
    if (extname(file) == '.html') {
      const html = body.toString()
      const nonce = page.headers?.['Content-Security-Policy'] && NONCE
      body = /['"]CRUM['"]/.test(html) || req.url.includes('norum') ? html
        : html.replace('</head>', snippet({ ...BASE, ...page.config }, '/rum', nonce) + '</head>')
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream', ...page.headers })
    res.end(body)
  })
  await new Promise(r => server.listen(0, '127.0.0.1', r))
  return {
    name: 'node',
    origin: `http://127.0.0.1:${server.address().port}`,
    beacons: async () => beacons.map(b => ({ ...b })),
    stop: () => new Promise(r => server.close(r)),
  }
}
