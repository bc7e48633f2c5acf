// The tierlang extension: highlighting (syntaxes/), editing rules (language-configuration.json)
// and the client that starts the language server, `tier lsp`, for .tier and .tiermap files.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function settings() {
  return vscode.workspace.getConfiguration("tier");
}

function serverOptions() {
  const command = settings().get("server.path") || "tier";
  const args = [...(settings().get("server.args") || []), "lsp"];
  return { command, args, transport: TransportKind.stdio };
}

function clientOptions() {
  return {
    documentSelector: [
      { scheme: "file", language: "tier" },
      { scheme: "file", language: "tiermap" },
    ],
    synchronize: {
      // parents read from disk and mappings' programs: re-check when they change
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{tier,tiermap}"),
    },
    initializationOptions: {
      asOf: settings().get("asOf") || null,
      docsUrl: settings().get("docsUrl") || null,
    },
  };
}

async function start() {
  client = new LanguageClient("tier", "tierlang", serverOptions(), clientOptions());
  try {
    await client.start();
  } catch (err) {
    const path = settings().get("server.path") || "tier";
    vscode.window.showErrorMessage(
      `tierlang: could not start \`${path} lsp\` (${err.message || err}). Install tierlang ` +
        "(pip install tierlang) or set tier.server.path to the tier command of your environment.",
    );
  }
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("tier.restartServer", async () => {
      if (client) await client.stop();
      await start();
    }),
    // The palette's way to the server's own command, which takes the file to run.
    vscode.commands.registerCommand("tier.runExamplesInFile", () => {
      const editor = vscode.window.activeTextEditor;
      if (editor && editor.document.languageId === "tier") {
        return vscode.commands.executeCommand("tier.runExamples", editor.document.uri.toString());
      }
      vscode.window.showInformationMessage("tierlang: open a .tier file to run its examples.");
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("tier.server") || e.affectsConfiguration("tier.asOf") || e.affectsConfiguration("tier.docsUrl")) {
        await vscode.commands.executeCommand("tier.restartServer");
      }
    }),
  );
  await start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
