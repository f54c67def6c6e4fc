// nginx with our module + a private Redis; beacons are read back from the
// stream with redis-cli XRANGE.

import { spawn, execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync, mkdtempSync, existsSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const MODULE = resolve(process.env.RUM_MODULE || join(here, '../../build/nginx/objs/ngx_http_rum_module.so'))
const NGINX = process.env.NGINX || '/usr/sbin/nginx'
export const available = () => existsSync(MODULE) && existsSync(NGINX)

// a port nobody listens on: one the OS picks, or, with RUM_E2E_PORTS=LO-HI
// (to stay clear of other suites on the machine), one from that range,
// starting at a point that differs between the test processes
const tryPort = p => new Promise(r => {
  const s = createServer().once('error', () => r(0)).listen(p, '127.0.0.1', () => {
    const { port } = s.address()
    s.close(() => r(port))
  })
})
const range = process.env.RUM_E2E_PORTS?.match(/^(\d+)-(\d+)$/)
let nextPort = process.pid
const freePort = async () => {
  if (!range) return tryPort(0)
  const lo = +range[1], n = +range[2] - lo + 1
  for (let i = 0; i < n; i++) {
    const port = await tryPort(lo + nextPort++ % n)
    if (port) return port
  }
  throw new Error(`no free port in RUM_E2E_PORTS=${process.env.RUM_E2E_PORTS}`)
}

const waitPort = async (port, ms = 5000) => {
  const { connect } = await import('node:net')
  const end = Date.now() + ms
  for (;;) {
    const ok = await new Promise(r => {
      const c = connect(port, '127.0.0.1', () => { c.end(); r(true) }).on('error', () => r(false))
    })
    if (ok) return
    if (Date.now() > end) throw new Error(`port ${port} not listening`)
    await new Promise(r => setTimeout(r, 50))
  }
}

export async function start() {
  const prefix = mkdtempSync(join(tmpdir(), 'rum-e2e-'))
  const [port, upstream, redisPort, tlsPort] = [await freePort(), await freePort(), await freePort(), await freePort()]
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-keyout', join(prefix, 'key.pem'), '-out', join(prefix, 'cert.pem')], { stdio: 'ignore' })
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1',
    '--save', '', '--appendonly', 'no', '--dir', prefix], { stdio: 'ignore' })
  await waitPort(redisPort)
  const conf = readFileSync(join(here, 'nginx.conf.tmpl'), 'utf8')
    .replaceAll('@MODULE@', MODULE).replaceAll('@PREFIX@', prefix)
    .replaceAll('@SITE@', join(here, 'site')).replaceAll('@PORT@', port)
    .replaceAll('@UPSTREAM_PORT@', upstream).replaceAll('@REDIS_PORT@', redisPort)
    .replaceAll('@TLS_PORT@', tlsPort)
  writeFileSync(join(prefix, 'nginx.conf'), conf)
  const nginx = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')], { stdio: 'inherit' })
  await waitPort(port)
  const cli = (...a) => execFileSync('redis-cli', ['-p', String(redisPort), ...a], { encoding: 'utf8' })
  return {
    name: 'nginx',
    origin: `http://127.0.0.1:${port}`,
    // the same site over HTTP/2 (a self-signed certificate)
    tlsOrigin: `https://localhost:${tlsPort}`,
    prefix,
    async beacons() {
      const rows = JSON.parse(cli('--json', 'XRANGE', 'rum:e2e', '-', '+') || '[]')
      return rows.map(([id, kv]) => {
        const f = {}
        for (let i = 0; i < kv.length; i += 2) f[kv[i]] = kv[i + 1]
        let payload = null
        try { payload = JSON.parse(f.payload) } catch {}
        return { ts: +f.ts || +id.split('-')[0], fields: f, payload }
      })
    },
    errorLog: () => readFileSync(join(prefix, 'error.log'), 'utf8'),
    async stop() {
      const exited = p => new Promise(r => p.exitCode !== null ? r() : p.once('exit', r))
      nginx.kill('SIGQUIT')
      await Promise.race([exited(nginx), new Promise(r => setTimeout(r, 5000))])
      if (nginx.exitCode === null) nginx.kill('SIGKILL')
      redis.kill('SIGTERM')
      await exited(redis)
      if (!process.env.KEEP) rmSync(prefix, { recursive: true, force: true })
    },
  }
}
