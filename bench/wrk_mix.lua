-- The api_bench request mix (bench/bench_mix.py) driven by wrk, from outside Python.
--
-- Same operations, weights, URLs and JSON bodies as bench_mix.py: 93 parts, reads 78
-- (health 6, customers first page 10, search name prefix 10, search phone 8, customer
-- history 10, jobs ready for a week 10, one job 12, dashboard counts 8, the catalog
-- for the job form 4), writes 15
-- (create customer 4, create job 5, job transition requested -> approved 5, a price
-- change of one catalog offering 1).
--
-- Inputs come from a Lua file written by bench/wrk_bench.py (token, sample ids, name
-- prefixes, phones, weeks, properties with zone counts, offerings, the offering whose
-- price changes, 'requested' job ids, free 555 phones), passed after `--`:
--
--   wrk -t1 -c10 -d30s --latency --timeout 30s -s bench/wrk_mix.lua \
--       http://127.0.0.1:PORT -- .grins/bench/wrk-samples.lua
--
-- Each request carries `X-Request-ID: wrk-<op>-<n>`, which the server echoes, so
-- response() knows which operation an answer belongs to (wrk does not say which
-- connection it came from): it counts non-2xx answers per operation and queues the id
-- of every created job for a later transition. done() prints a summary and one
-- `WRK_MIX_JSON {...}` line for wrk_bench.py.

local OPS = {
  { "health", 6 },
  { "customers: first page", 10 },
  { "customers: search name prefix", 10 },
  { "customers: search phone", 8 },
  { "customer history", 10 },
  { "jobs ready for a week", 10 },
  { "job", 12 },
  { "dashboard counts", 8 },
  { "catalog for the job form", 4 },
  { "create customer", 4 },
  { "create job", 5 },
  { "job transition", 5 },
  { "catalog price change", 1 },
}
local AREAS = { "612", "651", "763", "952" }

-- main state ---------------------------------------------------------------------

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
  table.insert(threads, thread)
end

-- thread state ---------------------------------------------------------------------

local S            -- the samples table
local cumulative   -- cumulative weights
local total_weight
local counter = 0
local created = 0
local run_id
local authorization
local requested = {} -- a queue of 'requested' job ids: first..last
local req_first, req_last = 1, 0
local phone_next   -- index into S.free_phones (this thread's stride)
local used_phones = {}
-- per operation (index into OPS, 0 for an answer without our X-Request-ID), read by
-- done() through thread:get (flat tables only: wrk 4.1 crashes copying nested ones)
op_sent, op_answered, op_non2xx, op_first = {}, {}, {}, {}

local function push_requested(id)
  req_last = req_last + 1
  requested[req_last] = id
end

local function pop_requested()
  if req_first > req_last then
    return nil
  end
  local id = requested[req_first]
  requested[req_first] = nil
  req_first = req_first + 1
  return id
end

local function pick(list)
  return list[math.random(#list)]
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

function init(args)
  local path = args[1] or ".grins/bench/wrk-samples.lua"
  S = dofile(path)
  local tid = thread_id or 1
  if tid > S.threads then
    error(string.format("samples file %s was written for %d thread(s); rerun "
      .. "wrk_bench.py --samples-only --threads N", path, S.threads))
  end
  cumulative, total_weight = {}, 0
  for i, op in ipairs(OPS) do
    total_weight = total_weight + op[2]
    cumulative[i] = total_weight
    op_sent[i], op_answered[i], op_non2xx[i], op_first[i] = 0, 0, 0, ""
  end
  -- each thread takes every S.threads-th requested job and free phone
  for i = tid, #S.requested, S.threads do
    push_requested(S.requested[i])
  end
  phone_next = tid
  run_id = string.format("wrk%d-t%d", os.time(), tid)
  math.randomseed(os.time() * 1000 + tid)
  for _ = 1, 10 do math.random() end
  authorization = "Bearer " .. S.token
end

local function new_phone()
  -- the next unused 555 number of this thread's share; random ones when exhausted
  while phone_next <= #S.free_phones do
    local phone = S.free_phones[phone_next]
    phone_next = phone_next + S.threads
    if not used_phones[phone] then
      used_phones[phone] = true
      return phone
    end
  end
  for _ = 1, 1000 do
    local phone = string.format("+1%s555%04d", pick(AREAS), math.random(0, 9999))
    if not used_phones[phone] then
      used_phones[phone] = true
      return phone
    end
  end
  return "+16125550000"
end

local function choose()
  local r = math.random() * total_weight
  for i = 1, #cumulative do
    if r < cumulative[i] then
      return i
    end
  end
  return #cumulative
end

local GET = {
  [1] = function() return "/health" end,
  [2] = function() return "/api/v1/customers" end,
  [3] = function() return "/api/v1/customers?q=" .. pick(S.name_prefixes) end,
  [4] = function() return "/api/v1/customers?q=" .. pick(S.phones) end,
  [5] = function() return "/api/v1/customers/" .. pick(S.customer_ids) .. "/history" end,
  [6] = function() return "/api/v1/jobs/ready?week=" .. pick(S.weeks) end,
  [7] = function() return "/api/v1/jobs/" .. pick(S.job_ids) end,
  [8] = function() return "/api/v1/jobs/counts" end,
  [9] = function() return "/api/v1/catalog/offerings?active=true" end,
}

local function post_body(op)
  if op == 10 then
    created = created + 1
    return "/api/v1/customers", string.format(
      '{"name":%s,"phone":"%s","email":"bench-%s-%d@example.org","lead_source":"website"}',
      json_string(string.format("Bench Customer %s-%d", run_id, created)),
      new_phone(), run_id, created)
  elseif op == 11 then
    local i = math.random(#S.property_ids)
    return "/api/v1/jobs", string.format(
      '{"property_id":"%s","offering_id":"%s","zone_count":%d,"target_week":"%s"}',
      S.property_ids[i], pick(S.offering_ids), S.zone_counts[i], pick(S.weeks))
  elseif op == 13 then
    return "/api/v1/catalog/offerings/" .. S.priced_offering_ids[1],
      string.format('{"base_price_cents":%d}', 9000 + math.random(0, 99))
  end
  local job = pop_requested() or pick(S.job_ids)
  return "/api/v1/jobs/" .. job .. "/transitions",
    '{"to_status":"approved","reason":"benchmark"}'
end

function request()
  local op = choose()
  counter = counter + 1
  op_sent[op] = op_sent[op] + 1
  -- wrk.format adds only Host from wrk.headers when given headers of its own
  local headers = {
    ["Authorization"] = authorization,
    ["X-Request-ID"] = string.format("wrk-%02d-%09d", op, counter),
  }
  if op <= 9 then
    return wrk.format("GET", GET[op](), headers)
  end
  local path, body = post_body(op)
  headers["Content-Type"] = "application/json"
  return wrk.format(op == 13 and "PATCH" or "POST", path, headers, body)
end

function response(status, headers, body)
  local rid = headers["x-request-id"] or headers["X-Request-ID"] or ""
  local op = tonumber(rid:match("^wrk%-(%d+)%-"))
  if op == nil or op_sent[op] == nil then
    op = 0 -- an answer we cannot attribute
    if op_sent[0] == nil then
      op_sent[0], op_answered[0], op_non2xx[0], op_first[0] = 0, 0, 0, ""
    end
  end
  op_answered[op] = op_answered[op] + 1
  if status < 200 or status > 299 then
    op_non2xx[op] = op_non2xx[op] + 1
    if op_first[op] == "" then
      op_first[op] = status .. " " .. (body or ""):sub(1, 200)
    end
  elseif op == 11 then
    local id = (body or ""):match('"id"%s*:%s*"([^"]+)"')
    if id then
      push_requested(id)
    end
  end
end

-- main state again ------------------------------------------------------------------

local function json_escape(s)
  return (tostring(s):gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end))
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local per_op = {}
  local unattributed, unattributed_non2xx = 0, 0
  for i, op in ipairs(OPS) do
    per_op[i] = { name = op[1], sent = 0, answered = 0, non2xx = 0, first = "" }
  end
  for _, thread in ipairs(threads) do
    local sent, answered = thread:get("op_sent"), thread:get("op_answered")
    local bad, first = thread:get("op_non2xx"), thread:get("op_first")
    if answered[0] then
      unattributed = unattributed + answered[0]
      unattributed_non2xx = unattributed_non2xx + bad[0]
    end
    for i, p in ipairs(per_op) do
      p.sent = p.sent + sent[i]
      p.answered = p.answered + answered[i]
      p.non2xx = p.non2xx + bad[i]
      if p.first == "" then p.first = first[i] end
    end
  end
  local non2xx = unattributed_non2xx
  for _, p in ipairs(per_op) do non2xx = non2xx + p.non2xx end
  local ms = function(q) return latency:percentile(q) / 1000 end

  io.write("\n-- wrk_mix summary --\n")
  io.write(string.format("requests %d in %.1f s: %.1f req/s\n",
    summary.requests, seconds, summary.requests / seconds))
  io.write(string.format("latency ms: p50 %.2f  p95 %.2f  p99 %.2f  max %.2f\n",
    ms(50), ms(95), ms(99), latency.max / 1000))
  io.write(string.format(
    "errors: non-2xx %d (wrk counts status >= 400: %d), connect %d, read %d, "
      .. "write %d, timeout %d\n",
    non2xx, e.status, e.connect, e.read, e.write, e.timeout))
  io.write(string.format("%-32s %9s %9s\n", "operation", "answers", "non-2xx"))
  for _, p in ipairs(per_op) do
    io.write(string.format("%-32s %9d %9d\n", p.name, p.answered, p.non2xx))
  end
  if unattributed > 0 then
    io.write(string.format("%-32s %9d\n", "(no X-Request-ID echoed)", unattributed))
  end
  for _, p in ipairs(per_op) do
    if p.first ~= "" then
      io.write(string.format("first non-2xx of %s: %s\n", p.name, p.first))
    end
  end

  local ops = {}
  for _, p in ipairs(per_op) do
    table.insert(ops, string.format(
      '{"name":"%s","answered":%d,"non2xx":%d,"first_error":"%s"}',
      json_escape(p.name), p.answered, p.non2xx, json_escape(p.first)))
  end
  io.write(string.format(
    'WRK_MIX_JSON {"requests":%d,"seconds":%.3f,"p50_ms":%.3f,"p95_ms":%.3f,'
      .. '"p99_ms":%.3f,"max_ms":%.3f,"non2xx":%d,"unattributed":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},'
      .. '"operations":[%s]}\n',
    summary.requests, seconds, ms(50), ms(95), ms(99), latency.max / 1000, non2xx,
    unattributed, e.connect, e.read, e.write, e.timeout, e.status,
    table.concat(ops, ",")))
end
