// JS Self-Profiling trace -> compact form. No DOM here.
//
// Profiler trace: {resources: [url], frames: [{name, resourceId, line,
// column}], stacks: [{frameId, parentId}], samples: [{timestamp, stackId}]}.
// Compact form keeps only referenced items, re-indexed, as arrays:
// frames [name, resource, line, column] (null when unknown), stacks [frame, parent],
// samples [timestamp, stack]; idle samples (no stack) are left out.

import { round1, size } from './payload.js'

export function compactTrace(trace) {
  const out = { resources: [], frames: [], stacks: [], samples: [] }
  const maps = [new Map(), new Map(), new Map()]
  const once = (map, i, make) => {
    if (i == null) return undefined
    if (!map.has(i)) map.set(i, make(i))
    return map.get(i)
  }
  const res = i => once(maps[0], i, i => out.resources.push(trace.resources[i]) - 1)
  const frame = i => once(maps[1], i, i => {
    const f = trace.frames[i]
    return out.frames.push([f.name || '', res(f.resourceId), f.line, f.column]) - 1
  })
  const stack = i => once(maps[2], i, i => {
    const s = trace.stacks[i], parent = stack(s.parentId), f = frame(s.frameId)
    return out.stacks.push(parent == null ? [f] : [f, parent]) - 1
  })
  for (const s of trace.samples) {
    if (s.stackId != null) out.samples.push([round1(s.timestamp), stack(s.stackId)])
  }
  return out
}

// The profile section that fits `limit`: all busy samples, else only those
// inside the long animation frames, else the first ones of those.
export function fitTrace(trace, loafs, limit, wrap) {
  let p = compactTrace(trace)
  if (size(wrap(p)) <= limit) return p
  const w = loafs.map(l => [l.startTime, l.startTime + l.duration])
  const busy = trace.samples.filter(s => s.stackId != null)
  const inside = { ...trace, samples: busy.filter(s => w.some(([a, b]) => s.timestamp >= a && s.timestamp <= b)) }
  let n = inside.samples.length
  p = compactTrace(inside)
  while (size(wrap(p)) > limit && n > 1) {
    n >>= 1
    p = compactTrace({ ...inside, samples: inside.samples.slice(0, n) })
    p.truncated = true
  }
  return p
}
