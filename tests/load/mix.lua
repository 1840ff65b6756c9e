-- wrk script: each request takes a random path from paths.txt (one per line),
-- and the run ends by printing one JSON line with throughput, latency and errors.
local paths = {}
for line in io.lines(os.getenv("LOAD_PATHS") or "paths.txt") do
  if #line > 0 then paths[#paths + 1] = line end
end

math.randomseed(os.time())

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end

-- summary.errors.status counts every response with status >= 400.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, ' ..
    '"errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_timeout": %d, "errors_status": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout, e.status))
end
