import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseUA, fromBrands, vendor, isMobile } from '../src/ua.js'

const UA = {
  firefox: ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/109.0', 'Firefox', '109'],
  chrome: ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 'Chrome', '120'],
  edge: ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91', 'Edge', '120'],
  opera: ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 OPR/105.0.0.0', 'Opera', '105'],
  safari: ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15', 'Safari', '17'],
  iosSafari: ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1', 'Safari', '17'],
  iosChrome: ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1', 'Chrome', '120'],
  samsung: ['Mozilla/5.0 (Linux; Android 13; SM-S901B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36', 'Samsung', '23'],
  headless: ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36', 'HeadlessChrome', '156'],
}

test('browser and major version from the UA string', () => {
  for (const [name, [ua, browser, browserVersion]] of Object.entries(UA)) {
    assert.deepEqual(parseUA(ua), { browser, browserVersion }, name)
  }
  assert.deepEqual(parseUA('curl/8.0'), { browser: 'unknown', browserVersion: '' })
  assert.deepEqual(parseUA(), { browser: 'unknown', browserVersion: '' })
})

test('browser from UA client hints brands', () => {
  assert.deepEqual(fromBrands([{ brand: 'Not_A Brand', version: '8' }, { brand: 'Chromium', version: '120' }, { brand: 'Google Chrome', version: '120' }]),
    { browser: 'Chrome', browserVersion: '120' })
  assert.deepEqual(fromBrands([{ brand: 'Microsoft Edge', version: '120' }, { brand: 'Chromium', version: '120' }, { brand: 'Not?A_Brand', version: '24' }]),
    { browser: 'Edge', browserVersion: '120' })
  assert.deepEqual(fromBrands([{ brand: 'Chromium', version: '156' }, { brand: 'Not-A.Brand', version: '24' }]),
    { browser: 'Chromium', browserVersion: '156' })
})

test('device platform vendor and type', () => {
  assert.equal(vendor('macOS'), 'Apple')
  assert.equal(vendor('iPhone'), 'Apple')
  assert.equal(vendor('Win32'), 'Microsoft')
  assert.equal(vendor('Android'), 'Google')
  assert.equal(vendor('Chrome OS'), 'Google')
  assert.equal(vendor('Linux x86_64'), 'Linux')
  assert.equal(vendor(''), '')
  assert.equal(isMobile(UA.iosSafari[0]), true)
  assert.equal(isMobile(UA.samsung[0]), true)
  assert.equal(isMobile(UA.chrome[0]), false)
  assert.equal(isMobile(UA.chrome[0], true), true, 'the client hint wins')
  assert.equal(isMobile(UA.iosSafari[0], false), false)
})
