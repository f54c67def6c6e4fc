// Session rules: kept in the browser, renewed after newSessionAfter of
// inactivity; the sessionSampleRate draw is made once and kept. No DOM here.

import { draw } from './config.js'

export function resolveSession(stored, now, cfg, uid, rnd = Math.random) {
  const s = stored
  if (s && typeof s.id == 'string' && s.startTime <= now &&
      now - s.lastLoop <= cfg.newSessionAfter) {
    return { id: s.id, startTime: s.startTime, lastLoop: now, sampled: s.sampled !== false }
  }
  return { id: uid(), startTime: now, lastLoop: now, sampled: draw(cfg.sessionSampleRate, rnd) }
}

// minutes
export const sessionDuration = s => Math.round((s.lastLoop - s.startTime) / 60000)
