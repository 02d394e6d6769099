-- :help cargo-caps works from the plugin as installed (doc/tags shipped, as
-- Neovim reads tags and never makes them for a plugin), and the shipped
-- tags are what `nvim --headless -c 'helptags editors/nvim/doc' -c q`
-- makes of the doc now. Run headless by e2e/nvim.sh with editors/nvim on
-- 'runtimepath'.
local passed, failed = 0, 0
local function check(name, ok, detail)
  if ok then
    passed = passed + 1
    io.stderr:write('ok: ' .. name .. '\n')
  else
    failed = failed + 1
    io.stderr:write('FAIL: ' .. name .. (detail and (': ' .. detail) or '') .. '\n')
  end
end

local doc = vim.api.nvim_get_runtime_file('doc/cargo-caps.txt', false)[1]
check('the plugin ships doc/cargo-caps.txt', doc ~= nil)
local dir = vim.fn.fnamemodify(doc, ':h')
local function read(path)
  local f = io.open(path, 'r')
  if not f then
    return nil
  end
  local t = f:read('*a')
  f:close()
  return t
end
local shipped = read(dir .. '/tags')
check('the plugin ships doc/tags', shipped ~= nil)

local copy = vim.fn.tempname()
vim.fn.mkdir(copy, 'p')
vim.fn.writefile(vim.fn.readfile(doc, 'b'), copy .. '/cargo-caps.txt', 'b')
vim.cmd('helptags ' .. vim.fn.fnameescape(copy))
check('doc/tags is up to date (regenerate with helptags editors/nvim/doc)', read(copy .. '/tags') == shipped)

for _, topic in ipairs({ 'cargo-caps', 'cargo-caps-trust', ':CargoCapsReport' }) do
  local ok, err = pcall(vim.cmd, 'help ' .. topic)
  check(':help ' .. topic, ok and vim.fn.expand('%:t') == 'cargo-caps.txt', tostring(err))
  pcall(vim.cmd, 'helpclose')
end

io.stderr:write(('nvim-help: %d passed, %d failed\n'):format(passed, failed))
vim.cmd(failed == 0 and 'qall!' or 'cquit 1')
