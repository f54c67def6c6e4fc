import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULTS, mergeConfig, parseLabels, draw } from '../src/config.js'

test('defaults of the seed', () => {
  const c = mergeConfig()
  assert.deepEqual(c, DEFAULTS)
  assert.equal(c.samplingRate, 5000)
  assert.equal(c.entriesRate, 500)
  assert.equal(c.maxEntries, 50)
  assert.equal(c.ignoreResources, '/rum')
  assert.equal(c.savingMode, true)
  assert.equal(c.newSessionAfter, 5 * 60 * 1000)
  assert.equal(c.stopCollectorAfter, 60000)
  assert.equal(c.profilingSampleRate, 0)
  assert.equal(c.sessionSampleRate, 100)
  assert.equal(c.profiling, null)
  for (const k of ['trackResources', 'trackHeroes', 'trackConsole', 'trackErrors']) assert.equal(c[k], true)
})

test('from the CRUM object of the seed', () => {
  const c = mergeConfig({
    samplingRate: 3000, viewId: 'homePageManual', labels: 'env=production, versionApp=1',
    trackResources: false, trackHeroes: false, trackErrors: false, trackConsole: false,
    q: [], setViewId() {},
  })
  assert.equal(c.samplingRate, 3000)
  assert.equal(c.viewId, 'homePageManual')
  assert.equal(c.trackResources, false)
  assert.equal(c.trackConsole, false)
  assert.equal('q' in c, false)
})

test('from a dataset (strings)', () => {
  const c = mergeConfig({ samplingRate: '3000', savingMode: 'false', profiling: 'true', viewId: 'home', crum: '', trackHeroes: '' })
  assert.equal(c.samplingRate, 3000)
  assert.equal(c.savingMode, false)
  assert.equal(c.profiling, true)
  assert.equal(c.viewId, 'home')
  assert.equal(c.trackHeroes, true, 'a bare data- attribute is true')
})

test('invalid values keep the earlier one; later sources win', () => {
  const c = mergeConfig({ samplingRate: 2000, maxEntries: 'x' }, { samplingRate: -1, entriesRate: '', savingMode: 'maybe' })
  assert.equal(c.samplingRate, 2000)
  assert.equal(c.maxEntries, 50)
  assert.equal(c.entriesRate, 500)
  assert.equal(c.savingMode, true)
  assert.equal(mergeConfig({ viewId: 'a' }, { viewId: 'b' }).viewId, 'b')
  assert.equal(mergeConfig({ profiling: false }).profiling, false)
})

test('labels', () => {
  assert.deepEqual(parseLabels('env=production, versionApp=1'), ['env=production', 'versionApp=1'])
  assert.deepEqual(parseLabels(' a=b ,, c=d ,'), ['a=b', 'c=d'])
  assert.deepEqual(parseLabels(''), [])
  assert.deepEqual(parseLabels(undefined), [])
  assert.deepEqual(parseLabels(['x=1', 'y=2']), ['x=1', 'y=2'])
})

test('percentage draws', () => {
  assert.equal(draw(100, () => 0.9999), true)
  assert.equal(draw(0, () => 0), false)
  assert.equal(draw(10, () => 0.05), true)
  assert.equal(draw(10, () => 0.2), false)
})
