-- wrk script: each connection sends one request every `interval` ms (so -c N gives N*1000/interval
-- requests/s while the server keeps up), with a unique WhatsApp message id in each body.
-- Arguments after `--`: <body template file or "-" for GET> <interval ms>. The template's
-- @@ID@@ is replaced by a fresh id per request.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  template = nil
  if args[1] and args[1] ~= "-" then
    local file = io.open(args[1], "rb")
    template = file:read("*a")
    file:close()
  end
  interval = tonumber(args[2] or "100")
  -- spread the connections' first requests over one interval instead of a burst at t=0
  started = false
end

function delay()
  if not started then
    started = true
    return math.random(0, interval)
  end
  return interval
end

function request()
  if template == nil then
    return wrk.format("GET")
  end
  counter = counter + 1
  local body = template:gsub("@@ID@@", string.format("W%d%08X%06d", id, math.random(0, 0x7fffffff), counter))
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
