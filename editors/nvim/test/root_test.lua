-- Table test of require('cargo_caps').root over real folders; run headless by
-- e2e/nvim.sh: nvim --headless -u NONE --cmd 'set rtp^=editors/nvim' -c 'luafile …'.
local root = require('cargo_caps').root
local tmp = vim.fn.tempname()

local function write(rel, text)
  local p = tmp .. '/' .. rel
  vim.fn.mkdir(vim.fn.fnamemodify(p, ':h'), 'p')
  local f = assert(io.open(p, 'w'))
  f:write(text)
  f:close()
end

write('ws/Cargo.toml', '[workspace]\nmembers = ["a"]\n')
write('ws/a/Cargo.toml', '[package]\nname = "a"\n')
write('ws/a/src/lib.rs', '')
write('solo/Cargo.toml', '[package]\nname = "solo"\n[dependencies]\n')
write('solo/src/bin/main.rs', '')
write('solo/inner/Cargo.toml', '[package]\nname = "inner"\n# [workspace] in a comment\n')
write('solo/inner/src/lib.rs', '')
write('none/x.rs', '')

local cases = {
  { 'member file goes to the workspace root', 'ws/a/src/lib.rs', 'ws' },
  { 'workspace manifest itself', 'ws/Cargo.toml', 'ws' },
  { 'member manifest', 'ws/a/Cargo.toml', 'ws' },
  { 'package without workspace: nearest manifest', 'solo/src/bin/main.rs', 'solo' },
  { 'nested package without [workspace] above', 'solo/inner/src/lib.rs', 'solo/inner' },
  { 'no manifest at all', 'none/x.rs', nil },
}

local failed = 0
for _, c in ipairs(cases) do
  local name, file, want = c[1], c[2], c[3]
  local got = root(tmp .. '/' .. file)
  want = want and vim.fn.resolve(tmp .. '/' .. want)
  got = got and vim.fn.resolve(got)
  if got ~= want then
    failed = failed + 1
    io.stderr:write(('FAIL root: %s: got %s, want %s\n'):format(name, tostring(got), tostring(want)))
  end
end
vim.fn.delete(tmp, 'rf')
io.stderr:write(('nvim-root: %d passed, %d failed\n'):format(#cases - failed, failed))
vim.cmd(failed == 0 and 'qall!' or 'cquit 1')
