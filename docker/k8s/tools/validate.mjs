// validate.mjs FILE.yaml...: validates Kubernetes manifests offline.
//
// Every YAML document of every file is checked three ways, and every problem
// is printed as FILE: document N (Kind name): /json/path: message.
//  1. Schema: kubernetes-models validates the object against the JSON schema
//     of its kind, generated from Kubernetes' OpenAPI (types, required
//     fields, enums, formats such as resource quantities).
//  2. Unknown fields, as `kubectl apply --validate=strict` rejects them: the
//     schemas allow extra properties, so each object is walked along the
//     field lists of kubernetes-models' type declarations (.d.ts, generated
//     from the same OpenAPI) and every field they do not declare is an error.
//  3. References between the documents that no schema sees: selectors and
//     pod labels, a StatefulSet's headless Service, volumes and their
//     ConfigMap/Secret/PVC, named probe ports, and the driver's
//     --discover=SERVICE:PORT and --expect-nodes=N against the Service and
//     the StatefulSet's replicas.
// Exit codes: 0 all valid, 1 a problem found, 2 bad usage.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs FILE.yaml...");
  process.exit(2);
}

const problems = [];
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const jsonPath = (parts) => "/" + parts.join("/");

// --- 2. Field lists from the .d.ts declarations. ---------------------------

const declarations = new Map(); // .d.ts path -> { imports, aliases, interfaces }

// Splits an interface body into "name" -> type text at brace/angle depth 0.
function fieldsOf(body) {
  const fields = new Map();
  let depth = 0;
  let entry = "";
  const add = (text) => {
    const m = /^\s*"([^"]+)"\??:\s*([\s\S]+?)\s*$/.exec(text);
    if (m) fields.set(m[1], m[2].replace(/\s+/g, " "));
  };
  for (const ch of body) {
    if (ch === "{" || ch === "<") depth++;
    else if (ch === "}" || ch === ">") depth--;
    if (ch === ";" && depth === 0) {
      add(entry);
      entry = "";
    } else {
      entry += ch;
    }
  }
  add(entry);
  return fields;
}

function declarationsOf(file) {
  if (declarations.has(file)) return declarations.get(file);
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const imports = new Map();
  for (const m of text.matchAll(/import \{([^}]*)\} from "([^"]+)";/g))
    for (const name of m[1].split(",").map((s) => s.trim()).filter(Boolean))
      imports.set(name, m[2]);
  const aliases = new Map();
  for (const m of text.matchAll(/export type \{([^}]*)\}/g))
    for (const part of m[1].split(",")) {
      const [local, as, alias] = part.trim().split(/\s+/);
      if (as === "as") aliases.set(alias, local);
    }
  const interfaces = new Map();
  for (const m of text.matchAll(/export interface (\w+)[^{]*\{/g)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    for (; depth > 0 && i < text.length; ++i) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}") depth--;
    }
    interfaces.set(m[1], fieldsOf(text.slice(start, i - 1)));
  }
  const d = { imports, aliases, interfaces };
  declarations.set(file, d);
  return d;
}

// The field list of type NAME as seen from FILE, or null for a leaf type
// (string, number, Quantity, IntOrString, ...).
function resolveType(name, file) {
  const here = declarationsOf(file);
  if (here.interfaces.has(name)) return { fields: here.interfaces.get(name), file };
  const spec = here.imports.get(name);
  if (!spec) return null;
  const target = spec.startsWith(".")
    ? path.resolve(path.dirname(file), spec.replace(/\.js$/, ".d.ts"))
    : fileURLToPath(import.meta.resolve(spec)).replace(/\.js$/, ".d.ts");
  const there = declarationsOf(target);
  const local = there.aliases.get(name) ?? name;
  return there.interfaces.has(local)
    ? { fields: there.interfaces.get(local), file: target }
    : null;
}

function checkType(value, type, file, where, report) {
  let m;
  if ((m = /^Array<(.+)>$/.exec(type))) {
    if (Array.isArray(value))
      value.forEach((v, i) => checkType(v, m[1], file, [...where, i], report));
  } else if ((m = /^\{ ?\[key: string\]: (.+?);? ?\}$/.exec(type))) {
    if (isObject(value))
      for (const [k, v] of Object.entries(value))
        checkType(v, m[1], file, [...where, k], report);
  } else if (/^\w+$/.test(type)) {
    const t = resolveType(type, file);
    if (t) checkFields(value, t, where, report);
  }
}

function checkFields(value, { fields, file }, where, report) {
  if (!isObject(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if (!fields.has(key)) report(jsonPath([...where, key]), `unknown field "${key}"`);
    else checkType(v, fields.get(key), file, [...where, key], report);
  }
}

// --- 1. Schema validation by kubernetes-models. -----------------------------

async function modelOf(apiVersion, kind) {
  let mod;
  try {
    mod = await import(`kubernetes-models/${apiVersion}`);
  } catch {
    return null;
  }
  const Model = mod[kind];
  if (typeof Model !== "function") return null;
  const dts = fileURLToPath(import.meta.resolve(`kubernetes-models/${apiVersion}`))
    .replace(/index\.js$/, `${kind}.d.ts`);
  return { Model, dts };
}

// ajv's messages are "data/spec/replicas must be integer, data/...": one
// problem each.
function schemaProblems(error) {
  return String(error.message)
    .split(/, (?=data[/ ])/)
    .map((msg) => {
      const m = /^data(\/\S*)? (.*)$/.exec(msg);
      return m ? [m[1] || "/", m[2]] : ["/", msg];
    });
}

// --- Load every document. ----------------------------------------------------

const docs = [];
for (const file of files) {
  let loaded;
  try {
    loaded = yaml.loadAll(readFileSync(file, "utf8"));
  } catch (e) {
    problems.push(`${file}: ${e.message.split("\n")[0]}`);
    continue;
  }
  loaded.forEach((obj, i) => {
    if (obj !== null && obj !== undefined) docs.push({ file, index: i + 1, obj });
  });
}

for (const doc of docs) {
  const { file, index, obj } = doc;
  const label = isObject(obj)
    ? `${obj.kind ?? "?"} ${obj.metadata?.name ?? "?"}`
    : "not a mapping";
  doc.report = (where, msg) => problems.push(`${file}: document ${index} (${label}): ${where}: ${msg}`);
  if (!isObject(obj) || typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
    doc.report("/", "a Kubernetes object needs apiVersion and kind");
    continue;
  }
  const model = await modelOf(obj.apiVersion, obj.kind);
  if (!model) {
    doc.report("/", `unknown kind ${obj.kind} in apiVersion ${obj.apiVersion}`);
    continue;
  }
  try {
    new model.Model(structuredClone(obj)).validate();
  } catch (e) {
    for (const [where, msg] of schemaProblems(e)) doc.report(where, msg);
  }
  const top = declarationsOf(model.dts).interfaces.get(`I${obj.kind}`);
  if (!top) {
    doc.report("/", `no field list for ${obj.kind} in ${model.dts}`);
    continue;
  }
  checkFields(obj, { fields: top, file: model.dts }, [], doc.report);
}

// --- 3. References between documents. ---------------------------------------

const valid = docs.filter((d) => isObject(d.obj) && typeof d.obj.kind === "string");
const named = (kind, ns, name) =>
  valid.find((d) => d.obj.kind === kind && d.obj.metadata?.name === name
                    && (d.obj.metadata?.namespace ?? "default") === ns);
const matches = (selector, labels) =>
  isObject(selector) && Object.keys(selector).length > 0
  && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const podTemplates = valid
  .map((d) => {
    const o = d.obj;
    if (o.kind === "Pod") return { d, meta: o.metadata, spec: o.spec, at: ["spec"] };
    if (["StatefulSet", "Deployment", "DaemonSet", "ReplicaSet", "Job"].includes(o.kind))
      return { d, meta: o.spec?.template?.metadata, spec: o.spec?.template?.spec, at: ["spec", "template", "spec"] };
    return null;
  })
  .filter((t) => t && isObject(t.spec));

for (const { obj, report } of valid) {
  if (obj.kind !== "Namespace" && !obj.metadata?.namespace)
    report("/metadata", "no namespace: it would land in the current context's namespace");
}

for (const { obj, report } of valid) {
  const ns = obj.metadata?.namespace ?? "default";
  if (obj.kind === "StatefulSet" || obj.kind === "Deployment") {
    if (!matches(obj.spec?.selector?.matchLabels, obj.spec?.template?.metadata?.labels))
      report("/spec/selector", "selector.matchLabels does not match the pod template's labels");
  }
  if (obj.kind === "StatefulSet") {
    const svc = named("Service", ns, obj.spec?.serviceName);
    if (!obj.spec?.serviceName) report("/spec", "no serviceName: the pods get no stable DNS names");
    else if (!svc) report("/spec/serviceName", `no Service ${obj.spec.serviceName} in ${ns}`);
    else if (svc.obj.spec?.clusterIP !== "None")
      report("/spec/serviceName", `Service ${obj.spec.serviceName} is not headless (clusterIP: None)`);
  }
  if (obj.kind === "Service" && obj.spec?.selector) {
    if (!podTemplates.some((t) => (t.d.obj.metadata?.namespace ?? "default") === ns
                                  && matches(obj.spec.selector, t.meta?.labels)))
      report("/spec/selector", "selects no pod template in these manifests");
  }
}

for (const { d, spec, at } of podTemplates) {
  const ns = d.obj.metadata?.namespace ?? "default";
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  (spec.volumes ?? []).forEach((v, i) => {
    const where = jsonPath([...at, "volumes", i]);
    if (v.configMap) {
      const cm = named("ConfigMap", ns, v.configMap.name);
      if (!cm && !v.configMap.optional) d.report(where, `no ConfigMap ${v.configMap.name} in ${ns}`);
      for (const item of v.configMap.items ?? [])
        if (cm && !(item.key in (cm.obj.data ?? {})) && !(item.key in (cm.obj.binaryData ?? {})))
          d.report(where, `ConfigMap ${v.configMap.name} has no key ${item.key}`);
    }
    if (v.secret && !v.secret.optional && !named("Secret", ns, v.secret.secretName))
      d.report(where, `no Secret ${v.secret.secretName} in ${ns}`);
    if (v.persistentVolumeClaim && !named("PersistentVolumeClaim", ns, v.persistentVolumeClaim.claimName))
      d.report(where, `no PersistentVolumeClaim ${v.persistentVolumeClaim.claimName} in ${ns}`);
  });
  const claims = new Set((d.obj.spec?.volumeClaimTemplates ?? []).map((c) => c.metadata?.name));
  (spec.containers ?? []).forEach((c, ci) => {
    const cat = [...at, "containers", ci];
    (c.volumeMounts ?? []).forEach((m, mi) => {
      if (!volumes.has(m.name) && !claims.has(m.name))
        d.report(jsonPath([...cat, "volumeMounts", mi]), `no volume named ${m.name}`);
    });
    const ports = new Set((c.ports ?? []).map((p) => p.name).filter(Boolean));
    for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
      const port = c[probe]?.tcpSocket?.port ?? c[probe]?.httpGet?.port;
      if (typeof port === "string" && !ports.has(port))
        d.report(jsonPath([...cat, probe]), `no container port named ${port}`);
    }
    // The driver: --discover=SERVICE:PORT and --expect-nodes=N.
    const argv = [...(c.command ?? []), ...(c.args ?? [])];
    const option = (name) => argv.find((a) => typeof a === "string" && a.startsWith(`--${name}=`))
      ?.slice(name.length + 3);
    const discover = option("discover");
    if (discover === undefined) return;
    const [host, port] = discover.split(":");
    const svc = named("Service", ns, host);
    if (!svc || svc.obj.spec?.clusterIP !== "None") {
      d.report(jsonPath(cat), `--discover=${discover}: no headless Service ${host} in ${ns}`);
      return;
    }
    if (!(svc.obj.spec.ports ?? []).some((p) => String(p.port) === port))
      d.report(jsonPath(cat), `--discover=${discover}: Service ${host} has no port ${port}`);
    const sts = valid.find((o) => o.obj.kind === "StatefulSet" && o.obj.spec?.serviceName === host
                                  && (o.obj.metadata?.namespace ?? "default") === ns);
    const expect = option("expect-nodes");
    if (sts && expect !== undefined && Number(expect) !== (sts.obj.spec.replicas ?? 1))
      d.report(jsonPath(cat), `--expect-nodes=${expect} but StatefulSet ${sts.obj.metadata.name} has ${sts.obj.spec.replicas ?? 1} replicas`);
  });
}

for (const p of problems) console.error(p);
if (problems.length > 0) {
  console.error(`validate: ${problems.length} problem(s) in ${files.length} file(s)`);
  process.exit(1);
}
const kinds = valid.map((d) => d.obj.kind).join(", ");
console.log(`validate: ${docs.length} documents in ${files.length} files valid (${kinds})`);
