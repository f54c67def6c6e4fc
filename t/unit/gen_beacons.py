#!/usr/bin/env python3
"""Writes the sample beacons: valid JSON of the client's payload shape.

    t/unit/gen_beacons.py      (re)writes t/data/beacon-{small,8,60}.json
                               and their copies in t/fuzz/corpus/beacon/

Deterministic: the same files every time.  JSON.stringify's form (compact,
non-ASCII as is), as the client sends it.
"""

import json
import os
import random

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')

HOSTS = ['https://fonts.googleapis.com', 'https://www.your-domain.com',
         'https://cdn.your-domain.com', 'https://static.example.net']
TYPES = [('link', 'css'), ('script', 'js'), ('img', 'png'),
         ('fetch', 'json'), ('css', 'woff2')]


def resource(rnd, i):
    host = HOSTS[i % len(HOSTS)]
    initiator, ext = TYPES[i % len(TYPES)]
    start = round(rnd.uniform(100, 3000), 13)
    dns = round(start + rnd.uniform(0, 20), 13)
    conn = round(dns + rnd.uniform(0, 10), 13)
    req = round(conn + rnd.uniform(50, 120), 13)
    resp = round(req + rnd.uniform(10, 90), 13)
    end = round(resp + rnd.uniform(1, 40), 13)
    size = rnd.randint(500, 90000)
    return {
        "name": "%s/assets/%s/chunk-%04d.%s?v=%d" % (host, ext, i, ext,
                                                    rnd.randint(1, 99999)),
        "entryType": "resource",
        "startTime": start,
        "duration": round(end - start, 13),
        "initiatorType": initiator,
        "nextHopProtocol": rnd.choice(["h2", "h3", "http/1.1"]),
        "renderBlockingStatus": rnd.choice(["blocking", "non-blocking"]),
        "workerStart": 0,
        "redirectStart": 0,
        "redirectEnd": 0,
        "fetchStart": start,
        "domainLookupStart": dns,
        "domainLookupEnd": dns,
        "connectStart": dns,
        "secureConnectionStart": round(dns + 0.2, 13),
        "connectEnd": conn,
        "requestStart": req,
        "responseStart": resp,
        "responseEnd": end,
        "transferSize": size + 300,
        "encodedBodySize": size,
        "decodedBodySize": size * 3,
        "responseStatus": 200,
        "serverTiming": [],
    }


def beacon(nres):
    rnd = random.Random(4016974 + nres)
    view = {
        "id": "homepage",
        "startTime": 1679327449180,
        "href": "https://www.your-domain.com/category?id=4016974",
        "protocol": "https:",
        "host": "www.your-domain.com",
        "hostname": "www.your-domain.com",
        "port": "",
        "pathname": "/category",
        "search": "?id=4016974",
        "hash": "",
        "origin": "https://www.your-domain.com",
        "referer": "https://www.your-domain.com/contact-us",
        "longTasks": [{"duration": 109, "name": "self", "startTime": 1516}],
    }
    if nres:
        view["resourceTypes"] = {
            "css": {"count": 14}, "javascript": {"count": 23},
            "image": {"count": 57}, "fetch": {"count": 15},
            "font": {"count": 6}, "other": {"count": 1}}
        view["resources"] = [resource(rnd, i) for i in range(nres)]
        view["fps"] = [{"timeStamp": 18136.59999999404, "fps": 119},
                       {"timeStamp": 18336.73399999414, "fps": 120}]
        view["marks"] = [
            {"name": "HE-start-main-menu", "detail": "Main menu loaded.",
             "startTime": 486},
            {"name": "HE-start-catalog",
             "detail": "Katalog produktů načten.", "startTime": 788}]
        view["console"] = [{"type": "warn", "timeStamp": 892483.7999999821,
                            "value": {"0": "warn message"}}]
        view["actions"] = [{"pointerType": "mouse", "type": "click",
                            "target": "span",
                            "timeStamp": 1410.7999999523163,
                            "name": "header-order-button"}]
        view["events"] = [{"addToBasket": {"product": "iPhone",
                                           "variant": [13, 14],
                                           "soldout": False}}]
    view["visibility"] = "visible"
    view["usedMemory"] = 35494235
    return {
        "id": "b-1675377137759-%d-k3j9x2" % nres,
        "kind": "sample",
        "seq": 1,
        "session": {"id": "4f1c2b8e-93a1-4c6e-b7de-2a1f0c9d5e17",
                    "startTime": 1675377137759, "lastLoop": 1675377354738,
                    "duration": 40},
        "view": view,
        "attributes": {
            "labels": ["env=dev", "versionApp=19"],
            "browser": "Firefox", "browserVersion": "109",
            "uaParser": "userAgent",
            "ua": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) "
                  "Gecko/20100101 Firefox/109.0",
            "connection": {"effectiveType": "4g", "rtt": 50,
                           "downlink": 10, "saveData": False},
            "device": {"type": "mobile", "platform": "Apple", "memory": 8,
                       "cpu": 10, "charging": True}},
        "audits": {"crossOriginIsolated": False},
        "metrics": {
            "fp": 0, "fcp": 812.5, "cls": 0.1, "lcp": 1234.5,
            "fid": 3.8000000715255737, "inp": 56, "ttfb": 120.2,
            "responseTime": 30.5, "domContentLoadedEventStart": 905,
            "domContentLoadedEventEnd": 910, "domContentLoadedDuration": 5,
            "renderDuration": 1400, "domComplete": 2300, "duration": 2310},
    }


def main():
    for name, n in (('small', 0), ('8', 8), ('60', 60)):
        text = json.dumps(beacon(n), ensure_ascii=False,
                          separators=(',', ':')).encode('utf-8')
        for path in (os.path.join(ROOT, 't', 'data', 'beacon-%s.json' % name),
                     os.path.join(ROOT, 't', 'fuzz', 'corpus', 'beacon',
                                  'beacon-%s.json' % name)):
            with open(path, 'wb') as f:
                f.write(text)
        print('beacon-%s.json: %d bytes' % (name, len(text)))


if __name__ == '__main__':
    main()
