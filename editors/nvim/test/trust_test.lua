-- Table test of require('cargo_caps').trusted over real folders and Neovim's
-- real trust store (0.9+; skipped before): run headless by e2e/nvim.sh with
-- XDG_STATE_HOME set to a scratch folder.
local cargo_caps = require('cargo_caps')
if not (vim.secure and vim.secure.trust) then
  io.stderr:write('nvim-trust: skipped (Neovim before 0.9 has no vim.secure)\n')
  vim.cmd('qall!')
  return
end
local tmp = vim.fn.tempname()
vim.fn.mkdir(vim.fn.stdpath('state'), 'p') -- where vim.secure keeps its trust file

local function workspace(name, marker)
  local dir = tmp .. '/' .. name
  vim.fn.mkdir(dir, 'p')
  if marker then
    local f = assert(io.open(dir .. '/' .. cargo_caps.marker, 'w'))
    f:write(marker)
    f:close()
  end
  return dir
end

local function trust(path, action)
  local buf = vim.fn.bufadd(path)
  vim.fn.bufload(buf)
  assert(vim.secure.trust({ action = action, bufnr = buf }))
end

local none = workspace('none')
local allowed = workspace('allowed', 'x\n')
trust(allowed .. '/' .. cargo_caps.marker, 'allow')
local denied = workspace('denied', 'x\n')
trust(denied .. '/' .. cargo_caps.marker, 'deny')
local linked = workspace('linked')
vim.loop.fs_symlink(allowed .. '/' .. cargo_caps.marker, linked .. '/' .. cargo_caps.marker)

local cases = {
  { 'no marker', none, {}, false },
  { 'a marker the user trusts', allowed, {}, true },
  { 'a marker the user denied', denied, {}, false },
  { 'a marker that links to a trusted one', linked, {}, false },
  { 'the setting wins over the store', allowed, { trusted = false }, false },
  { 'the setting trusts without a marker', none, { trusted = true }, true },
}
local failed = 0
for _, c in ipairs(cases) do
  local got, why = cargo_caps.trusted(c[2], c[3])
  if got ~= c[4] then
    failed = failed + 1
    io.stderr:write(('FAIL trusted: %s: got %s (%s), want %s\n'):format(c[1], tostring(got), why, tostring(c[4])))
  end
end
vim.fn.delete(tmp, 'rf')
io.stderr:write(('nvim-trust: %d passed, %d failed\n'):format(#cases - failed, failed))
vim.cmd(failed == 0 and 'qall!' or 'cquit 1')
