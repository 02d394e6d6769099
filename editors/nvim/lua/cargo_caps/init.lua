-- cargo-caps for Neovim 0.7+: starts `cargo-caps lsp` for Rust files and
-- Cargo.toml manifests, one client per Cargo workspace root, and adds
-- :CargoCapsReport (the sites to review in the quickfix list, or the report
-- in a buffer). Neovim 0.11 users may use lsp/cargo_caps.lua instead.
local M = {}

local defaults = {
  cmd = { 'cargo-caps', 'lsp' },
  -- Sent as initializationOptions and workspace/didChangeConfiguration.
  settings = {
    -- true lets the server run cargo, and with it any program the workspace's
    -- .cargo/config.toml or rust-toolchain.toml names; false never. nil (the
    -- default): on Neovim 0.9+ trusted when you trust the workspace's
    -- .cargo-caps-trusted file in vim.secure's trust store (:CargoCapsTrust),
    -- before 0.9 false. See :help cargo-caps-trust.
    trusted = nil,
    features = {},
    severity = {}, -- { ['unused-capability'] = 'off', ... }
    analyzeDependencies = true,
  },
  inlay_hints = true, -- Neovim 0.10+ only
  on_attach = nil, -- function(client, bufnr)
  capabilities = nil,
}

local config = vim.deepcopy(defaults)
local clients = {} -- workspace root -> client id

local function exists(path)
  return vim.loop.fs_stat(path) ~= nil
end

local function dirname(path)
  return vim.fn.fnamemodify(path, ':h')
end

local function declares_workspace(manifest)
  local f = io.open(manifest, 'r')
  if not f then
    return false
  end
  local text = f:read('*a')
  f:close()
  return text:find('^%s*%[workspace%]') ~= nil or text:find('\n%s*%[workspace%]') ~= nil
end

--- The Cargo workspace root of a file: the nearest folder above it with a
--- Cargo.toml, or a folder further up whose Cargo.toml has [workspace].
function M.root(path)
  if path == nil or path == '' then
    return nil
  end
  local dir = vim.fn.fnamemodify(path, ':p')
  if vim.fn.isdirectory(dir) == 0 then
    dir = dirname(dir)
  end
  dir = dir:gsub('/$', '')
  local nearest
  while true do
    local manifest = dir .. '/Cargo.toml'
    if exists(manifest) then
      nearest = nearest or dir
      if declares_workspace(manifest) then
        return dir
      end
    end
    local parent = dirname(dir)
    if parent == dir or dir == '' then
      return nearest
    end
    dir = parent
  end
end

-- Client methods take self from 0.11 on and must not before it.
local methods = vim.fn.has('nvim-0.11') == 1

local function request(client, ...)
  if methods then
    return client:request(...)
  end
  return client.request(...)
end

local function notify(client, ...)
  if methods then
    return client:notify(...)
  end
  return client.notify(...)
end

local function buf_clients(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr })
  end
  return vim.lsp.buf_get_clients(bufnr)
end

--- The file whose trust in vim.secure's trust store (Neovim 0.9+) lets the
--- server run cargo in the workspace it is the root of.
M.marker = '.cargo-caps-trusted'

local has_trust_store = vim.secure ~= nil and vim.secure.read ~= nil and vim.secure.trust ~= nil

--- Whether the server may run cargo in the workspace at root, and why: the
--- user's `trusted` setting when set; else, on Neovim 0.9+, whether the user
--- trusts root's .cargo-caps-trusted in vim.secure's trust store (Neovim asks
--- once when that file is new to it or changed); else false.
function M.trusted(root, settings)
  settings = settings or config.settings
  if settings.trusted ~= nil then
    return settings.trusted == true, 'the trusted setting'
  end
  if not has_trust_store then
    return false, 'Neovim before 0.9 has no trust store (set trusted = true or run :CargoCapsTrust)'
  end
  local marker = root and (root .. '/' .. M.marker)
  local stat = marker and vim.loop.fs_lstat(marker)
  if not stat then
    return false, 'no ' .. M.marker .. ' (run :CargoCapsTrust)'
  end
  -- vim.secure trusts what a link points to: a workspace could point its
  -- marker at a file you trusted elsewhere.
  if stat.type ~= 'file' then
    return false, marker .. ' is not a regular file'
  end
  return vim.secure.read(marker) ~= nil, "vim.secure's trust of " .. marker
end

--- Sends settings.cargoCaps as initializationOptions, so that an override of
--- settings (vim.lsp.config) reaches the server at start too, with
--- `trusted` always said: decided by M.trusted when the settings leave it out.
function M.before_init(params, client_config)
  client_config.settings = client_config.settings or {}
  local settings = client_config.settings.cargoCaps or {}
  client_config.settings.cargoCaps = settings
  if settings.trusted == nil then
    local why
    settings.trusted, why = M.trusted(client_config.root_dir, settings)
    if not settings.trusted then
      vim.notify_once('cargo-caps: workspace not trusted, cargo is not run (' .. why .. ')', vim.log.levels.INFO)
    end
  end
  params.initializationOptions = settings
end

function M.on_init(client)
  notify(client, 'workspace/didChangeConfiguration', { settings = client.config.settings })
  return true
end

--- The client configuration for a workspace root, as vim.lsp.start_client
--- and vim.lsp.config take it.
function M.client_config(root)
  local settings = vim.deepcopy(config.settings)
  return {
    name = 'cargo_caps',
    cmd = config.cmd,
    root_dir = root,
    workspace_folders = root and { { uri = vim.uri_from_fname(root), name = root } } or nil,
    settings = { cargoCaps = settings },
    capabilities = config.capabilities or vim.lsp.protocol.make_client_capabilities(),
    before_init = M.before_init,
    on_init = M.on_init,
    on_attach = function(client, bufnr)
      if config.inlay_hints and vim.lsp.inlay_hint and vim.lsp.inlay_hint.enable then
        -- 0.10 and later take (enable, filter); the API is absent before 0.10.
        pcall(vim.lsp.inlay_hint.enable, true, { bufnr = bufnr })
      end
      if config.on_attach then
        config.on_attach(client, bufnr)
      end
    end,
  }
end

local warned = false

local function attach(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  local root = M.root(name)
  if not root then
    return
  end
  if vim.fn.executable(config.cmd[1]) == 0 then
    if not warned then
      warned = true
      vim.notify(
        ('cargo-caps: %q is not an executable on PATH. Install it with '
          .. '`go install github.com/cargo-caps/cargo-caps/cmd/cargo-caps@latest` '
          .. "or pass its path: require('cargo_caps').setup{ cmd = { '/path/to/cargo-caps', 'lsp' } }"):format(config.cmd[1]),
        vim.log.levels.ERROR
      )
    end
    return
  end
  local id = clients[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or client.is_stopped(client) then
    id = vim.lsp.start_client(M.client_config(root))
    if not id then
      return
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
end

--- The running cargo-caps client for a buffer (default: the current one).
function M.client(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  for _, client in pairs(buf_clients(bufnr)) do
    if client.name == 'cargo_caps' then
      return client
    end
  end
  local root = M.root(vim.api.nvim_buf_get_name(bufnr)) or vim.fn.getcwd()
  local id = clients[root]
  return id and vim.lsp.get_client_by_id(id) or nil
end

-- Most powerful first (SPEC §1), as `cargo-caps report --sites` lists them.
local power = { 'unsafe', 'process', 'fs', 'net', 'env', 'fs-readonly', 'env-readonly' }

--- The quickfix items of a report (the JSON of `cargo-caps report --format
--- json`, decoded): every site of the crates needing review, crate by crate
--- (most powerful first), by capability, each at its file and line.
function M.review_items(report)
  local items = {}
  for _, crate in ipairs(report.need_review or {}) do
    local sites = type(crate.sites) == 'table' and crate.sites or {}
    for _, cap in ipairs(power) do
      for _, site in ipairs(sites) do
        if site.capability == cap then
          local file = site.file:sub(1, 1) == '/' and site.file or (crate.dir .. '/' .. site.file)
          table.insert(items, {
            filename = file,
            lnum = site.line,
            col = 1,
            text = ('%s: %s in %s (%s %s)'):format(cap, site.api, site['function'], crate.name, crate.version),
          })
        end
      end
    end
  end
  return items
end

local function show_sites(text)
  local ok, report = pcall(vim.json.decode, text)
  if not ok or type(report) ~= 'table' then
    vim.notify('cargo-caps: the report is not JSON: ' .. tostring(report), vim.log.levels.ERROR)
    return
  end
  local items = M.review_items(report)
  vim.fn.setqflist({}, ' ', { title = 'cargo-caps: ' .. tostring(report.summary), items = items })
  if #items == 0 then
    vim.notify('cargo-caps: no sites to review; ' .. tostring(report.summary), vim.log.levels.INFO)
    return
  end
  vim.cmd('copen')
end

local function show_buffer(format, text)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(text, '\n', { plain = true }))
  vim.bo[buf].modifiable = false
  vim.bo[buf].readonly = true
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].filetype = format == 'json' and 'json' or 'cargocapsreport'
  pcall(vim.api.nvim_buf_set_name, buf, 'cargo-caps://report.' .. (format == 'json' and 'json' or 'txt'))
  vim.cmd('split')
  vim.api.nvim_win_set_buf(0, buf)
end

--- The formats of |:CargoCapsReport|: 'sites' (the default) fills the
--- quickfix list with the sites to review; 'text' and 'json' show the report
--- in a readonly scratch buffer.
M.report_formats = { 'sites', 'text', 'json' }

function M.report(format)
  format = (format == nil or format == '') and 'sites' or format
  if not vim.tbl_contains(M.report_formats, format) then
    vim.notify('cargo-caps: :CargoCapsReport takes sites, text or json, not ' .. format, vim.log.levels.ERROR)
    return
  end
  local client = M.client()
  if not client then
    vim.notify('cargo-caps: no cargo-caps language server for this buffer; open a Rust file or Cargo.toml of the workspace', vim.log.levels.ERROR)
    return
  end
  -- The sites come from the JSON, never from parsing the text.
  local asked = format == 'text' and 'text' or 'json'
  request(client, 'cargoCaps/report', { format = asked }, function(err, result)
    if err or type(result) ~= 'table' or type(result.text) ~= 'string' then
      vim.notify('cargo-caps: report failed: ' .. vim.inspect(err or result), vim.log.levels.ERROR)
      return
    end
    if format == 'sites' then
      show_sites(result.text)
    else
      show_buffer(format, result.text)
    end
  end, vim.api.nvim_get_current_buf())
end

--- Trusts the workspace of the current buffer, so that the server runs
--- cargo there: on Neovim 0.9+ it writes root's .cargo-caps-trusted and adds
--- it to vim.secure's trust store (undo: `:trust ++deny` on that file), which
--- lasts; before 0.9 for this session. The server resolves the graph again.
function M.trust()
  local client = M.client()
  if not client then
    vim.notify('cargo-caps: no cargo-caps language server for this buffer', vim.log.levels.ERROR)
    return
  end
  local root = client.config.root_dir
  if has_trust_store and root then
    local marker = root .. '/' .. M.marker
    local stat = vim.loop.fs_lstat(marker)
    if stat and stat.type ~= 'file' then
      vim.notify('cargo-caps: ' .. marker .. ' is not a regular file: remove it first', vim.log.levels.ERROR)
      return
    end
    if not stat then
      local f, err = io.open(marker, 'w')
      if not f then
        vim.notify('cargo-caps: ' .. tostring(err), vim.log.levels.ERROR)
        return
      end
      f:write('cargo-caps may run cargo in this workspace once you trust this file (:help cargo-caps-trust)\n')
      f:close()
    end
    -- vim.secure trusts what a buffer shows ("allow" takes no path).
    local listed = vim.fn.bufexists(marker) == 1
    local buf = vim.fn.bufadd(marker)
    vim.fn.bufload(buf)
    local ok, err = vim.secure.trust({ action = 'allow', bufnr = buf })
    if not listed then
      pcall(vim.api.nvim_buf_delete, buf, { force = true })
    end
    if not ok then
      vim.notify('cargo-caps: ' .. tostring(err), vim.log.levels.ERROR)
      return
    end
  end
  client.config.settings = client.config.settings or {}
  client.config.settings.cargoCaps = client.config.settings.cargoCaps or {}
  client.config.settings.cargoCaps.trusted = true
  notify(client, 'workspace/didChangeConfiguration', { settings = client.config.settings })
  vim.notify('cargo-caps: ' .. tostring(root) .. ' is trusted: the server runs cargo there', vim.log.levels.INFO)
end

--- setup{} merges opts over the defaults, starts the server for Rust and
--- Cargo.toml buffers (also those already open) and defines :CargoCapsReport
--- and :CargoCapsTrust.
function M.setup(opts)
  config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  local group = vim.api.nvim_create_augroup('cargo_caps', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'rust',
    callback = function(ev)
      attach(ev.buf)
    end,
  })
  -- By name, not filetype: a manifest counts whether or not TOML detection is on.
  vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
    group = group,
    pattern = 'Cargo.toml',
    callback = function(ev)
      attach(ev.buf)
    end,
  })
  vim.api.nvim_create_user_command('CargoCapsReport', function(args)
    M.report(args.args)
  end, {
    nargs = '?',
    complete = function()
      return M.report_formats
    end,
    desc = 'cargo-caps: the sites to review in the quickfix list (or the report as text or json)',
  })
  vim.api.nvim_create_user_command('CargoCapsTrust', M.trust, {
    desc = 'Let cargo-caps run cargo in this workspace',
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      local name = vim.api.nvim_buf_get_name(bufnr)
      if vim.bo[bufnr].filetype == 'rust' or vim.fn.fnamemodify(name, ':t') == 'Cargo.toml' then
        attach(bufnr)
      end
    end
  end
end

return M
