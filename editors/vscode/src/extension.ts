// The VS Code side of cargo-caps: starts `cargo-caps lsp` for Rust files and
// Cargo.toml manifests, passes settings and workspace trust to it, and shows
// its progress, a review count, the capability review view and the report.
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
} from 'vscode-languageclient/node';
import { findServer } from './discovery';
import { configurationChange, restartSettings, serverSettings } from './settings';
import { Report } from './review';
import { ReviewView } from './reviewView';
import { nextStatus, ProgressValue, Status, statusText } from './status';

const reportScheme = 'cargo-caps-report';

let extensionContext: vscode.ExtensionContext | undefined;
let client: LanguageClient | undefined;
let current: Status = { state: 'starting' };
let status: vscode.StatusBarItem;
let output: vscode.OutputChannel;
const reports = new Map<string, string>();
const reportChanged = new vscode.EventEmitter<vscode.Uri>();
const review = new ReviewView();
let reviewAsked = 0; // the last refreshReview's number: only its answer is shown

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('cargo-caps');
  status = vscode.window.createStatusBarItem('cargoCaps.status', vscode.StatusBarAlignment.Left, 0);
  status.name = 'cargo-caps';
  status.command = 'cargoCaps.showReport';
  context.subscriptions.push(output, status, reportChanged, review);

  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(reportScheme, {
      onDidChange: reportChanged.event,
      provideTextDocumentContent: (uri) => reports.get(uri.toString()) ?? '',
    }),
    vscode.commands.registerCommand('cargoCaps.showReport', showReport),
    vscode.commands.registerCommand('cargoCaps.restartServer', restart),
    vscode.commands.registerCommand('cargoCaps.showReview', async () => {
      await vscode.commands.executeCommand('cargoCaps.review.focus');
      await refreshRunningReview();
    }),
    vscode.commands.registerCommand('cargoCaps.refreshReview', refreshRunningReview),
    // Trust granted: restart so that the server may run cargo.
    vscode.workspace.onDidGrantWorkspaceTrust(restart),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration('cargoCaps')) {
        return;
      }
      if (restartSettings.some((s) => e.affectsConfiguration(s))) {
        await restart();
      } else if (client?.state === State.Running) {
        const settings = currentSettings();
        output.appendLine(`cargo-caps: settings changed: ${JSON.stringify(settings)}`);
        await client.sendNotification('workspace/didChangeConfiguration', configurationChange(settings));
      }
    }),
  );
  // The server announces no end of an edit's analysis but publishes its
  // diagnostics: while the review view shows, a change of them refreshes it.
  const view = vscode.window.createTreeView('cargoCaps.review', { treeDataProvider: review });
  let soon: NodeJS.Timeout | undefined;
  const refreshSoon = () => {
    clearTimeout(soon);
    if (view.visible) {
      soon = setTimeout(() => void refreshRunningReview(), 500);
    }
  };
  context.subscriptions.push(view, view.onDidChangeVisibility(refreshSoon), vscode.languages.onDidChangeDiagnostics(refreshSoon), {
    dispose: () => clearTimeout(soon),
  });
  extensionContext = context;
  await start(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

async function restart(): Promise<void> {
  if (!extensionContext) {
    return;
  }
  const old = client;
  client = undefined;
  await old?.stop().catch(() => undefined);
  await start(extensionContext);
}

function currentSettings() {
  return serverSettings(vscode.workspace.getConfiguration('cargoCaps'), vscode.workspace.isTrusted);
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const found = findServer({
    configured: vscode.workspace.getConfiguration('cargoCaps.server').get<string | null>('path'),
    extensionPath: context.extensionPath,
    pathEnv: process.env.PATH,
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
  });
  if ('error' in found) {
    show({ state: 'failed', error: found.error });
    output.appendLine(found.error);
    const choice = await vscode.window.showErrorMessage(found.error, 'Open Settings');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'cargoCaps.server.path');
    }
    return;
  }
  output.appendLine(`cargo-caps: using ${found.path} (${found.source}), trusted=${vscode.workspace.isTrusted}`);

  const run = { command: found.path, args: ['lsp'], transport: TransportKind.stdio };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    // VS Code has no built-in TOML language, so manifests are selected by name.
    documentSelector: [
      { scheme: 'file', language: 'rust' },
      { scheme: 'file', pattern: '**/Cargo.toml' },
    ],
    initializationOptions: currentSettings(),
    outputChannel: output,
    // File watchers: the server registers its own (client/registerCapability).
  };
  const c = new LanguageClient('cargoCaps', 'cargo-caps', serverOptions, clientOptions);
  client = c;
  show({ state: 'starting' });
  try {
    await c.start();
  } catch (e) {
    const error = `cargo-caps: the language server (${found.path} lsp) did not start: ${e instanceof Error ? e.message : String(e)}`;
    show({ state: 'failed', error });
    void vscode.window.showErrorMessage(error);
    return;
  }
  show({ state: 'ready', trusted: vscode.workspace.isTrusted });
  void refreshReview(c);
  // Replaces the client's own progress UI (registered during start) with the
  // status bar item, which also shows the review count once analysis ends.
  c.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
    const sub = c.onProgress(WorkDoneProgress.type, token, (value) => {
      if (client !== c) {
        return;
      }
      const s = nextStatus(current, value as ProgressValue, vscode.workspace.isTrusted);
      show(s);
      if (value.kind === 'end') {
        sub.dispose();
        void refreshReview(c);
      }
    });
  });
}

function show(s: Status): void {
  current = s;
  const { text, tooltip } = statusText(s);
  status.text = text;
  status.tooltip = tooltip;
  // The tooltip says more than the icons in the text; screen readers get it too.
  status.accessibilityInformation = { label: tooltip };
  status.show();
}

async function refreshRunningReview(): Promise<void> {
  if (client?.state === State.Running) {
    await refreshReview(client);
  }
}

// refreshReview asks for the report as JSON (`report --format json`'s
// shape) and shows it in the review view and as the status bar's count.
async function refreshReview(c: LanguageClient): Promise<void> {
  const asked = ++reviewAsked;
  try {
    const r = await c.sendRequest<{ text: string }>('cargoCaps/report', { format: 'json' });
    const report = JSON.parse(r.text) as Report;
    if (client !== c || asked !== reviewAsked) {
      return;
    }
    review.show(report);
    if (current.state === 'ready') {
      show({ state: 'ready', trusted: vscode.workspace.isTrusted, review: report.need_review.length });
    }
  } catch (e) {
    output.appendLine(`cargo-caps: the review report failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function showReport(): Promise<void> {
  if (!client || client.state !== State.Running) {
    void vscode.window.showErrorMessage('cargo-caps: the language server is not running; see the "cargo-caps" output.');
    return;
  }
  let text: string;
  try {
    text = (await client.sendRequest<{ text: string }>('cargoCaps/report', { format: 'text' })).text;
  } catch (e) {
    void vscode.window.showErrorMessage(`cargo-caps: the report failed: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  // A virtual document is readonly: the report is read, not edited.
  const uri = vscode.Uri.parse(`${reportScheme}:/cargo-caps%20report.txt`);
  reports.set(uri.toString(), text);
  reportChanged.fire(uri);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: false });
}
