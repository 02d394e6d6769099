// The "Capability review" view in the Explorer: review.ts's tree, shown by
// VS Code. A click on a site opens its file at its line.
import * as vscode from 'vscode';
import { Report, ReviewNode, reviewTree } from './review';

export class ReviewView implements vscode.TreeDataProvider<ReviewNode> {
  private roots: ReviewNode[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  /** show replaces the tree with the one of a new report. */
  show(r: Report): void {
    this.roots = reviewTree(r);
    this.changed.fire();
  }

  getChildren(node?: ReviewNode): ReviewNode[] {
    return node ? node.children : this.roots;
  }

  getTreeItem(node: ReviewNode): vscode.TreeItem {
    const state =
      node.children.length === 0
        ? vscode.TreeItemCollapsibleState.None
        : node.expanded
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, state);
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.kind;
    item.iconPath = new vscode.ThemeIcon(icons[node.kind]);
    if (node.open) {
      const at = new vscode.Position(node.open.line - 1, 0);
      item.resourceUri = vscode.Uri.file(node.open.path);
      item.command = {
        title: 'Open Site',
        command: 'vscode.open',
        arguments: [item.resourceUri, { selection: new vscode.Range(at, at), preview: true }],
      };
    }
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

const icons: Record<ReviewNode['kind'], string> = {
  group: 'list-tree',
  crate: 'package',
  capability: 'shield',
  site: 'symbol-function',
};
