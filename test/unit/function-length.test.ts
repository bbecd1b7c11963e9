// No function in src/ is longer than 80 lines (the project's layout standard): a longer one has
// parts that want a name of their own.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const src = fileURLToPath(new URL('../../src/', import.meta.url));
const MAX_LINES = 80;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function nameOf(node: ts.FunctionLikeDeclaration, file: ts.SourceFile): string {
  if (node.name !== undefined) return node.name.getText(file);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText(file);
  return `(${ts.SyntaxKind[node.kind]})`;
}

/** Every function, method, accessor or arrow with a body of more than `max` lines, as "file:line name (n lines)". */
function longFunctions(text: string, fileName: string, max: number): string[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const lines = file.getLineAndCharacterOfPosition(node.getEnd()).line - first + 1;
      if (lines > max) found.push(`${fileName}:${first + 1} ${nameOf(node as ts.FunctionLikeDeclaration, file)} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('function length in src/', () => {
  it(`finds a function over ${MAX_LINES} lines, counting from its signature to its closing brace`, () => {
    const body = Array.from({ length: MAX_LINES - 2 }, (_, i) => `  x += ${i};`).join('\n');
    const fits = `export function fits(x: number) {\n${body}\n}\n`;
    assert.deepEqual(longFunctions(fits, 'fits.ts', MAX_LINES), []);
    const long = `class C {\n  m = (x: number) => {\n${body}\n    return x;\n  };\n}\n`;
    assert.deepEqual(longFunctions(long, 'long.ts', MAX_LINES), [`long.ts:2 m (${MAX_LINES + 1} lines)`]);
  });

  it(`has no function over ${MAX_LINES} lines`, () => {
    const long = sourceFiles(src).flatMap((path) => longFunctions(readFileSync(path, 'utf8'), relative(src, path), MAX_LINES));
    assert.deepEqual(long, [], `split these where a reader would want a name:\n${long.join('\n')}`);
  });
});
