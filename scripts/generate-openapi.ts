/**
 * @module scripts/generate-openapi
 *
 * Writes src/apiserver/openapi/generated/k8s-schemas.ts: every type of the installed
 * `kubernetes-types` package as an OpenAPI v3 component schema, named as upstream names it
 * (`io.k8s.api.core.v1.Pod`, `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`), with the field
 * docs taken from the `.d.ts` comments, `required` from the non-optional fields,
 * `x-kubernetes-group-version-kind` from the `apiVersion`/`kind` literal types, and the merge
 * metadata of src/apiserver/openapi/patch-strategies.ts.
 *
 *   tsx scripts/generate-openapi.ts           regenerate
 *   tsx scripts/generate-openapi.ts --check   exit 1 if the generated file is stale
 *
 * It reads the declaration syntax only, with no type checker, because `kubernetes-types` is itself
 * generated and uses a small fixed vocabulary (interfaces, string/number/boolean, `Array<T>`,
 * string index signatures, `number | string`, string literal types). Anything outside it stops the
 * generator instead of producing a wrong schema. What `.d.ts` files cannot say is filled in the
 * way upstream's OpenAPI v3 does it: `number` becomes `integer` (every served numeric field is an
 * integer; the int32/int64 width is not recorded), `number | string` is IntOrString, and the
 * Time, MicroTime and Quantity aliases become their upstream string schemas.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix, relative } from 'node:path';
import ts from 'typescript';
import { EXTRA_FIELDS } from '../src/apiserver/openapi/extra-fields.js';
import { ATOMIC_STRUCTS, FIELD_MERGE_META, type FieldMergeMeta } from '../src/apiserver/openapi/patch-strategies.js';
import { REF_PREFIX, type GroupVersionKind, type Schema } from '../src/apiserver/openapi/schema.js';

const OUTPUT = join(import.meta.dirname, '../src/apiserver/openapi/generated/k8s-schemas.ts');
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

type MutableSchema = { -readonly [K in keyof Schema]: Schema[K] };

/** A top-level declaration, before conversion. */
interface Declaration {
  readonly name: string;
  readonly node: ts.InterfaceDeclaration | ts.TypeAliasDeclaration;
  readonly file: SourceModule;
}

interface SourceModule {
  /** `core/v1`, `meta/v1`, `runtime`, `api/resource`, ... */
  readonly id: string;
  readonly text: string;
  readonly sourceFile: ts.SourceFile;
  /** Imported name → the module it comes from. */
  readonly imports: Map<string, string>;
}

/** Upstream's Go package path for a kubernetes-types module, as OpenAPI names it. */
function packagePrefix(moduleId: string): string {
  switch (moduleId) {
    case 'meta/v1':
      return 'io.k8s.apimachinery.pkg.apis.meta.v1';
    case 'runtime':
      return 'io.k8s.apimachinery.pkg.runtime';
    case 'api/resource':
      return 'io.k8s.apimachinery.pkg.api.resource';
    case 'version':
      return 'io.k8s.apimachinery.pkg.version';
    case 'apiextensions/v1':
      return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
  }
  const [group, version, ...rest] = moduleId.split('/');
  if (!group || !version || rest.length > 0) throw new Error(`kubernetes-types module ${moduleId} has no known upstream package`);
  return `io.k8s.api.${group}.${version}`;
}

function findDeclarationFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') out.push(...findDeclarationFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

function loadModule(root: string, path: string): SourceModule {
  const id = relative(root, path).split('\\').join('/').replace(/\.d\.ts$/, '');
  const text = readFileSync(path, 'utf8');
  const sourceFile = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const imports = new Map<string, string>();
  for (const statement of sourceFile.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const from = posix.normalize(posix.join(posix.dirname(id), statement.moduleSpecifier.text));
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) imports.set(element.name.text, from);
  }
  return { id, text, sourceFile, imports };
}

/** The text of the JSDoc comment right before `node`, without the comment markers. */
function docComment(node: ts.Node, text: string): string | undefined {
  const range = ts.getLeadingCommentRanges(text, node.getFullStart())?.at(-1);
  if (!range) return undefined;
  const raw = text.slice(range.pos, range.end);
  if (!raw.startsWith('/**')) return undefined;
  const lines = raw.slice(3, -2).split('\n');
  if (lines.length === 1) return lines[0]!.trim() || undefined;
  const body = lines.map((line) => line.replace(/^\s*\* ?/, '').trimEnd());
  while (body.length > 0 && body[0] === '') body.shift();
  while (body.length > 0 && body.at(-1) === '') body.pop();
  return body.length > 0 ? body.join('\n') : undefined;
}

function failAt(node: ts.Node, message: string): never {
  const { line } = node.getSourceFile().getLineAndCharacterOfPosition(node.getStart());
  throw new Error(`${node.getSourceFile().fileName}:${line + 1}: ${message}: ${node.getText()}`);
}

function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

class Generator {
  private readonly declarations = new Map<string, Declaration>();
  readonly schemas = new Map<string, Schema>();
  /** Every group/version some kind declares, for the kinds that belong to all of them. */
  private readonly groupVersions = new Map<string, { group: string; version: string }>();

  constructor(modules: readonly SourceModule[]) {
    for (const file of modules) {
      for (const statement of file.sourceFile.statements) {
        if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
          const name = `${packagePrefix(file.id)}.${statement.name.text}`;
          this.declarations.set(name, { name, node: statement, file });
        }
      }
    }
  }

  run(): Map<string, Schema> {
    for (const declaration of this.declarations.values()) this.schemas.set(declaration.name, this.declarationSchema(declaration));
    this.schemas.set(INT_OR_STRING, {
      description:
        'IntOrString holds either an int32 or a string: JSON and YAML carry whichever of the two was set, so a field such as a port can be given by number or by name.',
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    });
    this.addMultiGroupKinds();
    this.addExtraFields();
    this.applyMergeMeta();
    return new Map([...this.schemas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  private declarationSchema({ name, node, file }: Declaration): Schema {
    const description = docComment(node, file.text);
    const withDescription = (schema: MutableSchema): Schema => (description === undefined ? schema : { description, ...schema });
    if (ts.isTypeAliasDeclaration(node)) {
      const short = node.name.text;
      if (short === 'Time' || short === 'MicroTime') return withDescription({ type: 'string', format: 'date-time' });
      // Upstream's v3 documents accept a number wherever a Quantity goes ("replicas: 1" style).
      if (short === 'Quantity') return withDescription({ oneOf: [{ type: 'string' }, { type: 'number' }] });
      if (node.type.kind === ts.SyntaxKind.StringKeyword) return withDescription({ type: 'string' });
      // JSONSchemaPropsOrArray and friends: a value of several shapes, described but untyped, as upstream.
      if (ts.isUnionTypeNode(node.type)) return withDescription({});
      failAt(node, 'unsupported type alias');
    }
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    const literals = new Map<string, string>();
    for (const member of node.members) {
      if (!ts.isPropertySignature(member) || !member.type) failAt(member, 'unsupported interface member');
      const field = ts.isIdentifier(member.name) || ts.isStringLiteral(member.name) ? member.name.text : failAt(member, 'unsupported name');
      properties[field] = this.fieldSchema(member.type, file, docComment(member, file.text));
      if (!member.questionToken) required.push(field);
      if (ts.isLiteralTypeNode(member.type) && ts.isStringLiteral(member.type.literal)) literals.set(field, member.type.literal.text);
    }
    const schema: MutableSchema = { type: 'object' };
    // Upstream's apiextensions JSON is "any JSON value", not an object.
    if (name === 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON') delete schema.type;
    if (node.members.length > 0) schema.properties = properties;
    if (required.length > 0) schema.required = required;
    const apiVersion = literals.get('apiVersion');
    const kind = literals.get('kind');
    if (apiVersion !== undefined && kind !== undefined) {
      const gv = parseApiVersion(apiVersion);
      this.groupVersions.set(apiVersion, gv);
      schema['x-kubernetes-group-version-kind'] = [{ group: gv.group, kind, version: gv.version }];
    }
    if (ATOMIC_STRUCTS.includes(name)) schema['x-kubernetes-map-type'] = 'atomic';
    return withDescription(schema);
  }

  /** A property's schema: its type, with a `$ref` wrapped in allOf so the description can sit beside it. */
  private fieldSchema(type: ts.TypeNode, file: SourceModule, description: string | undefined): Schema {
    const schema = this.typeSchema(type, file);
    if (description === undefined) return schema;
    if (schema.$ref !== undefined) return { description, allOf: [schema] };
    return { description, ...schema };
  }

  private typeSchema(type: ts.TypeNode, file: SourceModule): Schema {
    switch (type.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { type: 'integer' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
    }
    if (ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal)) return { type: 'string' };
    if (ts.isArrayTypeNode(type)) return { type: 'array', items: this.typeSchema(type.elementType, file) };
    if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
      const name = type.typeName.text;
      const [element, ...more] = type.typeArguments ?? [];
      if (name === 'Array' && element && more.length === 0) return { type: 'array', items: this.typeSchema(element, file) };
      if (type.typeArguments) failAt(type, 'unsupported generic type');
      return { $ref: REF_PREFIX + this.resolve(name, file, type) };
    }
    if (ts.isTypeLiteralNode(type) && type.members.length === 1) {
      const [index] = type.members;
      if (index && ts.isIndexSignatureDeclaration(index) && index.type) {
        return { type: 'object', additionalProperties: this.typeSchema(index.type, file) };
      }
    }
    if (ts.isUnionTypeNode(type)) {
      const kinds = type.types.map((t) => t.kind).sort();
      if (kinds.length === 2 && kinds.includes(ts.SyntaxKind.NumberKeyword) && kinds.includes(ts.SyntaxKind.StringKeyword)) {
        return { $ref: REF_PREFIX + INT_OR_STRING };
      }
    }
    return failAt(type, 'unsupported type');
  }

  private resolve(name: string, file: SourceModule, at: ts.Node): string {
    const from = file.imports.get(name) ?? file.id;
    const full = `${packagePrefix(from)}.${name}`;
    if (!this.declarations.has(full)) failAt(at, `no declaration of ${full}`);
    return full;
  }

  /**
   * DeleteOptions and WatchEvent are registered in every group (their apiVersion is a plain
   * string in kubernetes-types); Status only in the core group.
   */
  private addMultiGroupKinds(): void {
    const everyGroup = [...this.groupVersions.values()].sort((a, b) => a.group.localeCompare(b.group) || a.version.localeCompare(b.version));
    const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
    const kinds: Record<string, readonly { group: string; version: string }[]> = {
      DeleteOptions: everyGroup,
      WatchEvent: everyGroup,
      Status: [{ group: '', version: 'v1' }],
    };
    for (const [kind, gvs] of Object.entries(kinds)) {
      const schema = this.schemas.get(meta + kind);
      if (!schema) throw new Error(`kubernetes-types has no ${meta + kind}`);
      const gvks: GroupVersionKind[] = gvs.map((gv) => ({ group: gv.group, kind, version: gv.version }));
      this.schemas.set(meta + kind, { ...schema, 'x-kubernetes-group-version-kind': gvks });
    }
  }

  /** Fields tskube serves beyond kubernetes-types (extra-fields.ts), e.g. ServiceSpec.topologyKeys. */
  private addExtraFields(): void {
    for (const [name, fields] of Object.entries(EXTRA_FIELDS)) {
      const schema = this.schemas.get(name);
      if (!schema?.properties) throw new Error(`extra-fields.ts: ${name} is not an object type in kubernetes-types`);
      const clash = Object.keys(fields).filter((field) => schema.properties![field] !== undefined);
      if (clash.length > 0) throw new Error(`extra-fields.ts: ${name} already declares ${clash.join(', ')}`);
      const properties = Object.fromEntries(Object.entries({ ...schema.properties, ...fields }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      this.schemas.set(name, { ...schema, properties });
    }
  }

  private applyMergeMeta(): void {
    const problems: string[] = [];
    for (const [name, fields] of Object.entries(FIELD_MERGE_META)) {
      const schema = this.schemas.get(name);
      if (!schema?.properties) {
        problems.push(`${name} is not an object type in kubernetes-types`);
        continue;
      }
      const properties = { ...schema.properties };
      for (const [field, meta] of Object.entries(fields)) {
        const property = properties[field];
        if (!property) problems.push(`${name} has no field ${field}`);
        else properties[field] = withMergeMeta(property, meta);
      }
      this.schemas.set(name, { ...schema, properties });
    }
    for (const name of ATOMIC_STRUCTS) if (!this.schemas.get(name)?.properties) problems.push(`${name} is not an object type in kubernetes-types`);
    if (problems.length > 0) throw new Error(`patch-strategies.ts does not match kubernetes-types:\n  ${problems.join('\n  ')}`);
  }
}

function withMergeMeta(schema: Schema, meta: FieldMergeMeta): Schema {
  const out: MutableSchema = { ...schema };
  if (meta.listType !== undefined) out['x-kubernetes-list-type'] = meta.listType;
  if (meta.listMapKeys !== undefined) out['x-kubernetes-list-map-keys'] = meta.listMapKeys;
  if (meta.mapType !== undefined) out['x-kubernetes-map-type'] = meta.mapType;
  if (meta.patchMergeKey !== undefined) out['x-kubernetes-patch-merge-key'] = meta.patchMergeKey;
  if (meta.patchStrategy !== undefined) out['x-kubernetes-patch-strategy'] = meta.patchStrategy;
  return out;
}

function render(source: string, schemas: Map<string, Schema>): string {
  const json = JSON.stringify(Object.fromEntries(schemas));
  return [
    `// GENERATED by scripts/generate-openapi.ts from ${source}. Do not edit: run \`npx tsx scripts/generate-openapi.ts\`.`,
    '/**',
    ' * @module apiserver/openapi/generated/k8s-schemas',
    ' *',
    ' * Every Kubernetes API type as an OpenAPI v3 component schema, keyed by upstream name. Kept as',
    ' * one JSON string so that neither tsc nor eslint has to walk a multi-megabyte object literal.',
    ' */',
    `export const SCHEMAS_SOURCE = ${JSON.stringify(source)};`,
    `export const SCHEMAS_JSON = ${JSON.stringify(json)};`,
    '',
  ].join('\n');
}

function main(): void {
  const started = performance.now();
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('kubernetes-types/package.json');
  const root = dirname(packageJson);
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const modules = findDeclarationFiles(root).map((path) => loadModule(root, path));
  const schemas = new Generator(modules).run();
  const output = render(`kubernetes-types@${version}`, schemas);

  const rel = relative(process.cwd(), OUTPUT);
  if (process.argv.includes('--check')) {
    const current = existsSync(OUTPUT) ? readFileSync(OUTPUT, 'utf8') : '';
    if (current !== output) {
      console.error(`${rel} is stale; run \`npx tsx scripts/generate-openapi.ts\``);
      process.exit(1);
    }
    return;
  }
  mkdirSync(dirname(OUTPUT), { recursive: true });
  writeFileSync(OUTPUT, output);
  const ms = Math.round(performance.now() - started);
  console.log(`generate-openapi: ${schemas.size} schemas from kubernetes-types@${version} → ${rel} (${Math.round(output.length / 1024)} KiB, ${ms} ms)`);
}

main();
