// Browser and device from the UA string or UA client hints. No DOM here.

// by priority: Edge and Opera UAs contain "Chrome/", Chrome's contains "Safari/"
const TOKENS = [
  ['Edge?|EdgA|EdgiOS', 'Edge'], ['OPR', 'Opera'], ['SamsungBrowser', 'Samsung'],
  ['Firefox|FxiOS', 'Firefox'], ['HeadlessChrome'], ['Chrome|CriOS', 'Chrome'], ['Version', 'Safari'],
]

export function parseUA(ua = '') {
  for (const [t, browser = t] of TOKENS) {
    const m = new RegExp(`\\b(?:${t})/(\\d+)`).exec(ua)
    if (m && (browser != 'Safari' || /Safari/.test(ua))) return { browser, browserVersion: m[1] }
  }
  return { browser: 'unknown', browserVersion: '' }
}

const NAMES = { 'Google Chrome': 'Chrome', 'Microsoft Edge': 'Edge' }

// navigator.userAgentData.brands: the real brand next to "Chromium" and GREASE
export function fromBrands(brands) {
  const real = brands.filter(b => !/Not.?A.?Brand/i.test(b.brand))
  const b = real.find(b => b.brand != 'Chromium') || real[0]
  return b && { browser: NAMES[b.brand] || b.brand, browserVersion: b.version }
}

export const vendor = (p = '') =>
  /mac|iphone|ipad|ios/i.test(p) ? 'Apple' : /win/i.test(p) ? 'Microsoft'
    : /android|cros|chrome ?os/i.test(p) ? 'Google' : /linux/i.test(p) ? 'Linux' : ''

export const isMobile = (ua = '', hint) =>
  hint ?? /Mobi|Android|iPhone|iPad|iPod/i.test(ua)
