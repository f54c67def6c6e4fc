// Browser and device from the UA string or UA client hints. No DOM here.

const TOKENS = [
  ['Edg(?:e|A|iOS)?', 'Edge'],
  ['OPR', 'Opera'],
  ['SamsungBrowser', 'Samsung Internet'],
  ['Firefox', 'Firefox'],
  ['FxiOS', 'Firefox'],
  ['CriOS', 'Chrome'],
  ['HeadlessChrome', 'HeadlessChrome'],
  ['Chrome', 'Chrome'],
  ['Version', 'Safari'],
]

export function parseUA(ua = '') {
  for (const [t, browser] of TOKENS) {
    const m = new RegExp('\\b' + t + '/(\\d+)').exec(ua)
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

export function vendor(p = '') {
  if (/mac|iphone|ipad|ipod|ios/i.test(p)) return 'Apple'
  if (/win/i.test(p)) return 'Microsoft'
  if (/android|cros|chrome ?os/i.test(p)) return 'Google'
  if (/linux|x11/i.test(p)) return 'Linux'
  return ''
}

export const isMobile = (ua = '', hint) =>
  hint ?? /Mobi|Android|iPhone|iPad|iPod/i.test(ua)
