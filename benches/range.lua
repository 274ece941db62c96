-- wrk script: each request asks for a random 1 KiB range of the 64 MiB file.
local size = 64 * 1024 * 1024
math.randomseed(os.time())
request = function()
  local start = math.random(0, size - 1024)
  return wrk.format("GET", "/file", { ["Range"] = "bytes=" .. start .. "-" .. (start + 1023) })
end
