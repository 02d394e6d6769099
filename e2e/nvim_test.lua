-- Run by e2e/nvim.sh inside `nvim --headless -u NONE` with editors/nvim on
-- 'runtimepath'. Neovim's own LSP client decides: the diagnostic must arrive in
-- vim.diagnostic, the quick-fix must be applied by vim.lsp.buf.code_action, the
-- manifest must change on disk after :wall, and the diagnostic must clear.
local bin = assert(os.getenv('CARGO_CAPS_BIN'), 'CARGO_CAPS_BIN')
local dir = assert(os.getenv('FIXTURE'), 'FIXTURE')
local timeout = tonumber(os.getenv('E2E_TIMEOUT_MS') or '60000')

local function say(msg)
  io.stderr:write(msg .. '\n')
end

local function fail(msg)
  say('FAIL: ' .. msg)
  say('diagnostics: ' .. vim.inspect(vim.diagnostic.get()))
  vim.cmd('cquit 1')
end

local function wait(what, cond)
  if not vim.wait(timeout, cond, 100) then
    fail('timed out waiting for ' .. what)
  end
  say('ok: ' .. what)
end

local function read(path)
  local f = assert(io.open(path, 'r'))
  local t = f:read('*a')
  f:close()
  return t
end

local function undeclared_fs(bufnr)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == 'undeclared-capability' and d.message:find('fs', 1, true) then
      return d
    end
  end
end

local notified = {}
local notify = vim.notify
vim.notify = function(msg, ...)
  table.insert(notified, msg)
  return notify(msg, ...)
end

local function cargo_ran()
  return vim.loop.fs_stat(dir .. '/.rustc-ran') ~= nil
end

local ok, err = pcall(function()
  vim.cmd('filetype on')
  -- No `trusted` setting: what the plugin decides for the user.
  require('cargo_caps').setup({ cmd = { bin, 'lsp' } })
  local manifest = dir .. '/Cargo.toml'
  local before = read(manifest)

  vim.cmd('edit ' .. vim.fn.fnameescape(dir .. '/src/lib.rs'))
  local lib = vim.api.nvim_get_current_buf()
  wait('cargo_caps client attached to src/lib.rs', function()
    return require('cargo_caps').client(lib) ~= nil
  end)
  local diag
  wait('undeclared-capability diagnostic for fs', function()
    diag = undeclared_fs(lib)
    return diag ~= nil
  end)
  if cargo_ran() then
    fail('the server ran cargo (the workspace\'s rustc) though nobody trusted the workspace')
  end
  if not table.concat(notified, '\n'):find('not trusted', 1, true) then
    fail('the plugin did not say the workspace is untrusted; notified: ' .. vim.inspect(notified))
  end
  say('ok: untrusted by default, cargo not run')

  -- Pick the quick-fix the way a user would, through vim.ui.select.
  local titles = {}
  vim.ui.select = function(items, opts, on_choice)
    for _, item in ipairs(items) do
      local title = opts.format_item and opts.format_item(item) or tostring(item)
      table.insert(titles, title)
      say('code action offered: ' .. title)
      -- "Declare `fs` for crate …" (or an "Add `fs` …" wording).
      local t = title:lower()
      if title:find('`fs`', 1, true) and (t:find('declare') or t:find('add')) then
        return on_choice(item)
      end
    end
    on_choice(nil)
  end
  vim.api.nvim_win_set_cursor(0, { diag.lnum + 1, diag.col })
  vim.lsp.buf.code_action()
  wait('the quick-fix edited the Cargo.toml buffer', function()
    local b = vim.fn.bufnr(manifest)
    return b ~= -1 and vim.bo[b].modified
  end)

  vim.cmd('silent wall')
  local after = read(manifest)
  -- Only the capability list may change; every other line stays as it was.
  local old, new = vim.split(before, '\n', { plain = true }), vim.split(after, '\n', { plain = true })
  if #old ~= #new then
    fail('the quick-fix changed the number of manifest lines:\n' .. after)
  end
  for i = 1, #old do
    if old[i] ~= new[i] then
      if not (new[i]:match('^capability%s*=') and new[i]:find('"fs"', 1, true) and new[i]:find('"env-readonly"', 1, true)) then
        fail(('manifest line %d changed unexpectedly: %q -> %q'):format(i, old[i], new[i]))
      end
    end
  end
  if not after:find('\ncapability%s*=%s*%[[^%]]*"fs"') then
    fail('fs was not added to the capability list on disk:\n' .. after)
  end
  say('ok: Cargo.toml on disk declares fs')

  wait('the undeclared-capability diagnostic cleared', function()
    return undeclared_fs(lib) == nil
  end)

  -- Neovim 0.7 cannot watch files for the server: it watches them itself.
  -- A dependency's source changed outside the editor (not open in it) must
  -- count without a save in Neovim.
  local helper = dir .. '/helper/src/lib.rs'
  vim.wait(2500) -- past the watcher's first scans (it polls once a second)
  local spawn_line = #vim.split(read(helper), '\n', { plain = true }) + 1 -- after the blank line
  local f = assert(io.open(helper, 'a'))
  f:write('\npub fn spawn() { let _ = std::process::Command::new("true").status(); }\n')
  f:close()
  wait('a dependency edited on disk, outside the editor, is seen (server-side watcher)', function()
    for _, d in ipairs(vim.diagnostic.get(vim.fn.bufnr(manifest))) do
      if d.code == 'dependency-capability' and d.message:find('process', 1, true) then
        return true
      end
    end
    return false
  end)

  -- The sites to review, most powerful first: helper's new spawn, then its
  -- reading of the environment.
  vim.cmd('CargoCapsReport')
  local items
  wait(':CargoCapsReport filled the quickfix list with the sites', function()
    items = vim.fn.getqflist()
    return #items > 0
  end)
  local title = vim.fn.getqflist({ title = 1 }).title
  local function where(item)
    return ('%s:%d %s'):format(vim.api.nvim_buf_get_name(item.bufnr), item.lnum, item.text)
  end
  local seen = vim.tbl_map(where, items)
  say('quickfix: ' .. title .. '\n  ' .. table.concat(seen, '\n  '))
  if not title:find('needs? review') then
    fail('the quickfix title is not the report summary: ' .. title)
  end
  if seen[1] ~= ('%s:%d process: std::process::Command::new in helper::spawn (helper 0.1.0)'):format(helper, spawn_line) then
    fail('the first quickfix item is not helper\'s spawn at line ' .. spawn_line .. ': ' .. vim.inspect(seen))
  end
  if vim.bo.buftype ~= 'quickfix' then
    fail('the quickfix window did not open')
  end
  vim.cmd('cfirst')
  if vim.api.nvim_buf_get_name(0) ~= helper or vim.api.nvim_win_get_cursor(0)[1] ~= spawn_line then
    fail(':cfirst did not go to the site: ' .. vim.api.nvim_buf_get_name(0) .. ':' .. vim.api.nvim_win_get_cursor(0)[1])
  end
  say('ok: :cfirst opens the site')
  vim.cmd('cclose')
  vim.cmd('buffer ' .. lib)

  vim.cmd('CargoCapsReport text')
  wait(':CargoCapsReport text opened a report', function()
    local b = vim.api.nvim_get_current_buf()
    return b ~= lib and vim.bo[b].readonly and #table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n') > 0
  end)

  vim.cmd('wincmd p')
  vim.cmd('CargoCapsTrust')
  wait(':CargoCapsTrust made the server run cargo', cargo_ran)
end)
if not ok then
  fail(tostring(err))
end
say('e2e-nvim: 1 passed, 0 failed')
vim.cmd('qall!')
