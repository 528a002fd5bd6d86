-- wrk script: the requests come from the file named by BENCH_REQUESTS, one a line, with
-- tab-separated fields: method, path, headers ("Name: value" separated by \31), body.
-- With several lines each request takes the next one, cycling (the webhook's events,
-- each with a new id and its own signature, are made this way: Lua cannot sign them).
-- When done, one line "BENCH_RESULT {json}" reports the run for bench/__main__.py.

local prepared = {}
local index = 0

function init(args)
   local path = os.getenv("BENCH_REQUESTS")
   for line in io.lines(path) do
      local method, target, header_text, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      for header in header_text:gmatch("[^\31]+") do
         local name, value = header:match("^([^:]+):%s*(.*)$")
         headers[name] = value
      end
      if body == "" then body = nil end
      prepared[#prepared + 1] = wrk.format(method, target, headers, body)
   end
end

function request()
   index = index % #prepared + 1
   return prepared[index]
end

function done(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "status_errors": %d, ' ..
      '"socket_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
      summary.requests, summary.duration, summary.bytes, errors.status,
      errors.connect + errors.read + errors.write + errors.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
