-- wrk script: POST the beacon in $BEACON
local f = assert(io.open(os.getenv("BEACON"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
f:close()
