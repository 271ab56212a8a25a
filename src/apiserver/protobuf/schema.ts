/**
 * @module apiserver/protobuf/schema
 *
 * tskube's own notation for Kubernetes protobuf messages, and the step that turns it into
 * protobufjs reflection types plus what protobuf alone cannot say: how each field is written as
 * JSON. Upstream's `.proto` files carry field numbers but not the Go struct facts that decide the
 * JSON form (pointer or value, `omitempty` or not, inlined or not), so each field is written as
 *
 *     '<field number> <Go-like type>[ !][ inline]'
 *
 *   - types: `string`, `int32`, `int64`, `bool`, `bytes` (Go `[]byte`), a message name (a Go
 *     struct held by value), `*T` (a pointer), `[]T` (a slice), `map[string]T`;
 *   - `!` marks a field whose json tag has no `omitempty`: an unset value is written as the Go zero
 *     value (`""`, `0`, `false`, or `null` for nil pointers, slices and maps);
 *   - `inline` marks an embedded struct whose JSON fields are merged into the parent
 *     (`Volume.volumeSource`, `Probe.handler`), while on the wire it is a nested message.
 *
 * The key of each field is its JSON name; protobuf never puts field names on the wire, so the
 * protobufjs field gets the same name. Field numbers come from upstream's `generated.proto` (the
 * `protobuf:"..."` struct tags) at the 1.32 API (k8s.io/api v0.32).
 */
import protobuf from 'protobufjs';

export type ScalarType = 'string' | 'int32' | 'int64' | 'bool' | 'bytes';
const scalarTypes: ReadonlySet<string> = new Set<ScalarType>(['string', 'int32', 'int64', 'bool', 'bytes']);

/** Field declarations of one message, keyed by JSON name, in Go struct order (the JSON key order). */
export type MessageDecl = Readonly<Record<string, string>>;
export type MessageDecls = Readonly<Record<string, MessageDecl>>;

export interface FieldSchema {
  /** The JSON key, which is also the protobufjs field name. */
  readonly json: string;
  readonly id: number;
  /** `value`: a Go value field; `pointer`: `*T`; `slice`: `[]T`; `map`: `map[string]T`. */
  readonly shape: 'value' | 'pointer' | 'slice' | 'map';
  /** The scalar type or message name of the value (of the element, for slices and maps). */
  readonly type: string;
  readonly isMessage: boolean;
  readonly omitEmpty: boolean;
  readonly inline: boolean;
}

export interface MessageSchema {
  readonly name: string;
  readonly fields: readonly FieldSchema[];
}

export interface Schema {
  readonly root: protobuf.Root;
  /** The JSON facts of a message; throws for a name the schema does not define. */
  message(name: string): MessageSchema;
  /** The protobufjs type of a message; throws for a name the schema does not define. */
  type(name: string): protobuf.Type;
}

const declPattern = /^(\d+) ((?:\[\]|\*|map\[string\])?)(\w+)((?: !| inline)*)$/;

function parseField(message: string, json: string, decl: string, messageNames: ReadonlySet<string>): FieldSchema {
  const m = declPattern.exec(decl);
  if (m === null) throw new Error(`protobuf schema: ${message}.${json}: cannot parse ${JSON.stringify(decl)}`);
  const [, id, prefix, type, flags] = m as unknown as [string, string, string, string, string];
  const isMessage = messageNames.has(type);
  if (!isMessage && !scalarTypes.has(type)) {
    throw new Error(`protobuf schema: ${message}.${json}: unknown type ${type}`);
  }
  const shape = prefix === '*' ? 'pointer' : prefix === '[]' ? 'slice' : prefix === '' ? 'value' : 'map';
  const inline = flags.includes('inline');
  if (inline && (shape !== 'value' || !isMessage)) {
    throw new Error(`protobuf schema: ${message}.${json}: only a struct held by value can be inline`);
  }
  return { json, id: Number(id), shape, type, isMessage, omitEmpty: !flags.includes('!'), inline };
}

/** Builds protobufjs types and JSON facts from declarations; a bad declaration is a programming error and throws. */
export function buildSchema(decls: MessageDecls): Schema {
  const names = new Set(Object.keys(decls));
  const messages = new Map<string, MessageSchema>();
  const root = new protobuf.Root();
  for (const [name, fieldDecls] of Object.entries(decls)) {
    const fields = Object.entries(fieldDecls).map(([json, decl]) => parseField(name, json, decl, names));
    const type = new protobuf.Type(name);
    const ids = new Set<number>();
    for (const f of fields) {
      if (ids.has(f.id)) throw new Error(`protobuf schema: ${name}: field number ${f.id} used twice`);
      ids.add(f.id);
      type.add(
        f.shape === 'map'
          ? new protobuf.MapField(f.json, f.id, 'string', f.type)
          : new protobuf.Field(f.json, f.id, f.type, f.shape === 'slice' ? 'repeated' : 'optional'),
      );
    }
    root.add(type);
    messages.set(name, { name, fields });
  }
  root.resolveAll();
  return {
    root,
    message(name) {
      const m = messages.get(name);
      if (m === undefined) throw new Error(`protobuf schema: no message ${name}`);
      return m;
    },
    type(name) {
      return root.lookupType(name);
    },
  };
}
