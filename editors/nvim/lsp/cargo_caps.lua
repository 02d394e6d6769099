-- cargo-caps for Neovim 0.11's vim.lsp.config / vim.lsp.enable('cargo_caps').
-- Needs this plugin on 'runtimepath' (for lua/cargo_caps). Override settings with
-- vim.lsp.config('cargo_caps', { settings = { cargoCaps = { features = { 'tls' } } } }).
local cargo_caps = require('cargo_caps')

return {
  cmd = { 'cargo-caps', 'lsp' },
  filetypes = { 'rust', 'toml' },
  -- Only Cargo.toml among TOML files; the root is the Cargo workspace root.
  root_dir = function(bufnr, on_dir)
    local name = vim.api.nvim_buf_get_name(bufnr)
    if vim.bo[bufnr].filetype == 'toml' and vim.fs.basename(name) ~= 'Cargo.toml' then
      return
    end
    local root = cargo_caps.root(name)
    if root then
      on_dir(root)
    end
  end,
  settings = {
    -- No `trusted`: before_init decides it (vim.secure's trust of the
    -- workspace's .cargo-caps-trusted) unless your vim.lsp.config sets it.
    cargoCaps = { features = {}, severity = {}, analyzeDependencies = true },
  },
  before_init = cargo_caps.before_init,
  on_init = cargo_caps.on_init,
  on_attach = function(_, bufnr)
    vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
    vim.api.nvim_buf_create_user_command(bufnr, 'CargoCapsReport', function(args)
      cargo_caps.report(args.args)
    end, { nargs = '?', complete = function() return cargo_caps.report_formats end })
    vim.api.nvim_buf_create_user_command(bufnr, 'CargoCapsTrust', cargo_caps.trust, {})
  end,
}
