-- wrk script: POST the beacon in $BEACON, its session id varied over
-- $SESSIONS values (the end of the id replaced, the length kept), so that
-- sharded streams (rum_stream ... shards=N) take every shard
local reqs = {}
local n = tonumber(os.getenv("SESSIONS") or "64")
local i = 0

init = function(args)
    local f = assert(io.open(os.getenv("BEACON"), "rb"))
    local body = f:read("*a")
    f:close()

    for k = 1, n do
        local b = body:gsub('("session":{"id":"[^"]*)[^"][^"][^"][^"]"',
                            function(id)
                                return string.format('%s%04x"', id, k)
                            end, 1)
        reqs[k] = wrk.format("POST", nil,
                             { ["Host"] = "localhost",
                               ["Content-Type"] = "text/plain;charset=UTF-8" },
                             b)
    end
end

request = function()
    i = i % n + 1
    return reqs[i]
end
