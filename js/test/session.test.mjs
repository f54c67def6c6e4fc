import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveSession, sessionDuration } from '../src/session.js'
import { mergeConfig } from '../src/config.js'

const cfg = mergeConfig()
let n = 0
const uid = () => 'id' + ++n

test('a first visit creates a session', () => {
  const s = resolveSession(null, 1000, cfg, uid)
  assert.deepEqual(s, { id: s.id, startTime: 1000, lastLoop: 1000, sampled: true })
})

test('a next visit within newSessionAfter keeps it', () => {
  const s = resolveSession(null, 1000, cfg, uid)
  const t = resolveSession(s, 1000 + 299999, cfg, uid)
  assert.equal(t.id, s.id)
  assert.equal(t.startTime, 1000)
  assert.equal(t.lastLoop, 1000 + 299999)
})

test('inactivity longer than newSessionAfter starts a new one', () => {
  const s = resolveSession(null, 1000, cfg, uid)
  const t = resolveSession({ ...s, lastLoop: 5000 }, 5000 + 300001, cfg, uid)
  assert.notEqual(t.id, s.id)
  assert.equal(t.startTime, 305001)
  const short = mergeConfig({ newSessionAfter: 1000 })
  assert.notEqual(resolveSession(s, 2001, short, uid).id, s.id)
})

test('garbage in storage starts a new one', () => {
  for (const bad of [{}, { id: 5 }, 'x', { id: 'a', startTime: 9e15, lastLoop: 0 }]) {
    assert.match(resolveSession(bad, 1000, cfg, uid).id, /^id/)
  }
})

test('sessionSampleRate is drawn once and kept with the session', () => {
  const half = mergeConfig({ sessionSampleRate: 50 })
  const out = resolveSession(null, 0, half, uid, () => 0.9)
  assert.equal(out.sampled, false)
  // later visits keep the draw whatever the dice say
  assert.equal(resolveSession(out, 1000, half, uid, () => 0).sampled, false)
  const inn = resolveSession(null, 0, half, uid, () => 0.1)
  assert.equal(inn.sampled, true)
  assert.equal(resolveSession(inn, 1000, half, uid, () => 0.99).sampled, true)
  // a new session draws again
  assert.equal(resolveSession(out, 1e9, half, uid, () => 0.1).sampled, true)
  assert.equal(resolveSession(null, 0, mergeConfig({ sessionSampleRate: 0 }), uid, () => 0).sampled, false)
})

test('duration in minutes', () => {
  assert.equal(sessionDuration({ startTime: 0, lastLoop: 40 * 60000 + 10000 }), 40)
  assert.equal(sessionDuration({ startTime: 5, lastLoop: 5 }), 0)
})
