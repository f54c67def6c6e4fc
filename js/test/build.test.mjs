import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const path = p => fileURLToPath(new URL(p, import.meta.url))
const js = readFileSync(path('../dist/crum.js'))
const header = readFileSync(path('../../src/ngx_http_rum_client.h'), 'utf8')

const array = name => {
  const m = new RegExp(`static const u_char  ${name}\\[\\] = \\{\\n([^}]*)\\};`).exec(header)
  return Buffer.from(m[1].match(/0x[0-9a-f]{2}/g).map(x => parseInt(x, 16)))
}

test('dist and header are up to date (node build.mjs --check)', () => {
  execFileSync(process.execPath, [path('../build.mjs'), '--check'], { stdio: 'pipe' })
})

test('the header holds the bundle, its gzip, lengths and ETag', () => {
  const raw = array('ngx_http_rum_client_js'), gz = array('ngx_http_rum_client_js_gz')
  assert.ok(raw.equals(js))
  assert.ok(gunzipSync(gz).equals(js))
  assert.equal(gz.readUInt32LE(4), 0, 'no mtime')
  assert.equal(gz[3] & 0x08, 0, 'no file name')
  assert.match(header, new RegExp(`#define NGX_HTTP_RUM_CLIENT_JS_LEN +${js.length}\\n`))
  assert.match(header, new RegExp(`#define NGX_HTTP_RUM_CLIENT_JS_GZ_LEN +${gz.length}\\n`))
  const etag = createHash('sha256').update(js).digest('hex').slice(0, 16)
  assert.ok(header.includes(`#define NGX_HTTP_RUM_CLIENT_ETAG       "\\"${etag}\\""`))
  assert.ok(header.split('\n').every(l => l.length <= 80), '80 columns')
  assert.ok(gz.length <= 8192, `budget: ${gz.length}`)
})

test('the bundle is one ES2022 script with no module syntax', () => {
  const s = js.toString()
  // V8's compile hint, then the IIFE
  assert.ok(/^\/\/# allFunctionsCalledOnLoad\n\(\(\)=>\{/.test(s))
  assert.ok(!/\bimport\s*[({]|\bexport\s/.test(s))
  assert.ok(/^[\x00-\x7f]*$/.test(s), 'ASCII only')
})
