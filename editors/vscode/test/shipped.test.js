// The TextMate grammar against the compiler's own lexer, over every shipped program: each
// keyword, string, doc string, comment, number, date and amount that the lexer reads
// (test/lark_tokens.py) must get the matching scope, and no name may look like a keyword.
// Run with the repository's Python: TIER_PYTHON (default ../../.venv/bin/python).
"use strict";

const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const here = __dirname;
const repo = path.resolve(here, "../../..");
const python = process.env.TIER_PYTHON || path.join(repo, ".venv/bin/python");
const programs = fs
  .readdirSync(path.join(repo, "programs"))
  .filter((f) => f.endsWith(".tier"))
  .map((f) => path.join(repo, "programs", f));

const EXPECTED = {
  keyword: ["keyword.", "storage.type.", "constant.language."],
  name: ["variable.", "entity.name.", "support.function."],
  string: ["string."],
  docstring: ["string.quoted.docstring."],
  comment: ["comment."],
  number: ["constant.numeric."],
  date: ["constant.other.date."],
  currency: ["support.type.currency."],
};

async function main() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== "source.tier") return null;
      const file = path.join(here, "..", "syntaxes", "tier.tmLanguage.json");
      return vsctm.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
    },
  });
  const grammar = await registry.loadGrammar("source.tier");
  const lexed = JSON.parse(execFileSync(python, [path.join(here, "lark_tokens.py"), ...programs], { maxBuffer: 1 << 28 }));
  let checked = 0;
  const failures = [];
  for (const { file, tokens } of lexed) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const scopes = [];
    let state = vsctm.INITIAL;
    for (const line of lines) {
      const result = grammar.tokenizeLine(line, state);
      scopes.push(result.tokens);
      state = result.ruleStack;
    }
    for (const [line, column, length, kind] of tokens) {
      const tm = scopes[line].find((t) => t.startIndex <= column && column < t.endIndex);
      const found = tm ? tm.scopes.slice(1) : [];
      const ok = EXPECTED[kind].some((prefix) => found.some((s) => s.startsWith(prefix)));
      checked += 1;
      if (!ok && failures.length < 20) {
        const text = lines[line].slice(column, column + length);
        failures.push(`${path.relative(repo, file)}:${line + 1}:${column + 1}: ${kind} '${text}' has scopes [${found.join(", ")}]`);
      }
    }
  }
  if (failures.length) {
    console.error(failures.join("\n"));
    console.error(`shipped programs: the TextMate grammar disagrees with the compiler's lexer (first ${failures.length} shown)`);
    process.exit(1);
  }
  console.log(`✓ shipped programs: ${checked} tokens of ${lexed.length} files scoped as the compiler's lexer reads them`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
