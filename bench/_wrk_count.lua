-- wrk script of bench/http_load.py: counts every response by status across wrk's threads and
-- prints the counts, the errors and the latency percentiles as "BENCH <name> <value>" lines.
-- The request comes from the environment: WRK_METHOD, WRK_BODY (JSON), WRK_TOKEN (DRF token).

local threads = {}
statuses = {}

wrk.method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
local token = os.getenv("WRK_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Token " .. token
end

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  for status, count in pairs(totals) do
    io.write(string.format("BENCH status_%d %d\n", status, count))
  end
  io.write(string.format("BENCH requests %d\n", summary.requests))
  io.write(string.format("BENCH duration_us %d\n", summary.duration))
  for _, name in ipairs({"connect", "read", "write", "status", "timeout"}) do
    io.write(string.format("BENCH error_%s %d\n", name, summary.errors[name]))
  end
  for _, p in ipairs({50, 99}) do
    io.write(string.format("BENCH latency_p%d_us %d\n", p, latency:percentile(p)))
  end
  io.write(string.format("BENCH latency_max_us %d\n", latency.max))
end
