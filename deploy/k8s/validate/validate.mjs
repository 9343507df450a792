// Renders every overlay under deploy/k8s/overlays with `kubectl kustomize` and checks every object it renders:
//  1. typed: each object becomes a TypeScript constant of its kind's type (kubernetes-types for Kubernetes' kinds,
//     crds.ts for the operators'), and `tsc` refuses an unknown field (a typo), a missing required one or a wrong type;
//  2. the Kubernetes schemas' formats (kubernetes-models): int32 ranges, label and name syntax and the like;
//  3. how this system must run: every Deployment has resource requests and the three probes on /health/live and
//     /health/ready, every HPA, PDB and Service finds its Deployment, every Secret and ConfigMap a container reads
//     is rendered too or is one an operator or ops create (EXTERNAL_SECRETS).
// Prints "kubernetes: N objects in M overlays valid" or the faults, and exits non-zero on any.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const overlaysDir = path.join(here, "..", "overlays");
const generated = path.join(here, ".generated");
const CRDS = { "rabbitmq.com/v1beta1": ["RabbitmqCluster"], "postgresql.cnpg.io/v1": ["Cluster", "Database"] };
// Secrets made outside the render: by the operators, or by ops from a file kept out of the repository (production).
const EXTERNAL_SECRETS = new Set(["rewards-db-app", "rewards-mq-default-user", "rewards-secrets"]);

const faults = [];
let count = 0;
rmSync(generated, { recursive: true, force: true });
mkdirSync(generated);
const overlays = readdirSync(overlaysDir, { withFileTypes: true }).filter(d => d.isDirectory()).map(d => d.name).sort();
const typed = [];
for (const overlay of overlays) {
  const rendered = execFileSync("kubectl", ["kustomize", path.join(overlaysDir, overlay)], { encoding: "utf8" });
  const objects = parseAllDocuments(rendered).map(d => d.toJS()).filter(Boolean);
  count += objects.length;
  typed.push(typedModule(overlay, objects));
  for (const o of objects) await checkSchema(overlay, o);
  checkWiring(overlay, objects);
}
checkTypes(typed);

if (faults.length > 0) {
  for (const f of faults) console.error(f);
  console.error(`kubernetes: ${faults.length} faults in ${count} objects of ${overlays.length} overlays`);
  process.exit(1);
}
console.log(`kubernetes: ${count} objects in ${overlays.length} overlays (${overlays.join(", ")}) valid`);

function typeOf(o) {
  if (CRDS[o.apiVersion]?.includes(o.kind)) return { module: "../crds.js", name: o.kind };
  const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["core", o.apiVersion];
  return { module: `kubernetes-types/${group.split(".")[0]}/${version}.js`, name: o.kind };
}

function typedModule(overlay, objects) {
  const imports = new Map();
  const lines = objects.map((o, i) => {
    const { module, name } = typeOf(o);
    const alias = `${name}_${module.replace(/[^A-Za-z0-9]/g, "_")}`;
    imports.set(alias, `import type { ${name} as ${alias} } from "${module}";`);
    return `export const o${i}: ${alias} = ${JSON.stringify(o)}; // ${o.kind}/${o.metadata?.name}`;
  });
  const file = path.join(generated, `${overlay}.ts`);
  writeFileSync(file, [...imports.values(), ...lines].join("\n") + "\n");
  return { overlay, file, lines: [...imports.values(), ...lines] };
}

function checkTypes(modules) {
  const tsc = path.join(here, "node_modules", ".bin", "tsc");
  try {
    execFileSync(tsc, ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--skipLibCheck",
      ...modules.map(m => m.file)], { encoding: "utf8", cwd: here });
  } catch (e) {
    // "…/.generated/production.ts(12,345): error TS2561: …" → the overlay and the object of line 12.
    for (const line of String(e.stdout).split("\n").filter(l => l.includes("error TS"))) {
      const m = /\.generated\/([^.]+)\.ts\((\d+),\d+\): (.*)$/.exec(line);
      const module = m && modules.find(x => x.overlay === m[1]);
      const object = module?.lines[Number(m[2]) - 1]?.split("// ").pop();
      faults.push(m ? `${m[1]}: ${object}: ${m[3]}` : line);
    }
  }
}

async function checkSchema(overlay, o) {
  if (CRDS[o.apiVersion]) return;
  const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : [null, o.apiVersion];
  const { [o.kind]: Model } = await import(group ? `kubernetes-models/${group}/${version}/${o.kind}` : `kubernetes-models/${version}/${o.kind}`);
  // kustomize folds a long base64 value over lines; the API server's decoder skips the line breaks, and so does this.
  if (o.kind === "Secret") o = { ...o, data: Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, v.replace(/\s/g, "")])) };
  try {
    new Model(o).validate();
  } catch (e) {
    faults.push(`${overlay}: ${o.kind}/${o.metadata.name}: ${e.message}`);
  }
}

function checkWiring(overlay, objects) {
  const fault = (o, what) => faults.push(`${overlay}: ${o.kind}/${o.metadata.name}: ${what}`);
  const named = kind => new Set(objects.filter(o => o.kind === kind).map(o => o.metadata.name));
  const deployments = objects.filter(o => o.kind === "Deployment");
  const secrets = named("Secret"), configMaps = named("ConfigMap");
  const labelsMatch = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

  for (const d of deployments) {
    for (const c of d.spec.template.spec.containers) {
      if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) fault(d, `container ${c.name} has no cpu and memory requests`);
      if (c.livenessProbe?.httpGet?.path !== "/health/live") fault(d, `container ${c.name}: liveness probe not on /health/live`);
      if (c.startupProbe?.httpGet?.path !== "/health/live") fault(d, `container ${c.name}: startup probe not on /health/live`);
      if (c.readinessProbe?.httpGet?.path !== "/health/ready") fault(d, `container ${c.name}: readiness probe not on /health/ready`);
    }
  }
  for (const o of objects.filter(o => o.kind === "Deployment" || o.kind === "Job")) {
    const pod = o.spec.template.spec;
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !secrets.has(ref.name) && !EXTERNAL_SECRETS.has(ref.name)) fault(o, `${c.name} reads ${e.name} from Secret ${ref.name}, which nothing makes`);
      }
      for (const from of c.envFrom ?? []) {
        if (from.configMapRef && !configMaps.has(from.configMapRef.name)) fault(o, `${c.name} reads ConfigMap ${from.configMapRef.name}, which is not rendered`);
      }
    }
  }
  for (const h of objects.filter(o => o.kind === "HorizontalPodAutoscaler")) {
    if (!deployments.some(d => d.metadata.name === h.spec.scaleTargetRef.name)) fault(h, `scales ${h.spec.scaleTargetRef.name}, which is not rendered`);
  }
  for (const o of objects.filter(o => o.kind === "PodDisruptionBudget" || o.kind === "Service")) {
    const selector = o.kind === "Service" ? o.spec.selector : o.spec.selector.matchLabels;
    if (!deployments.some(d => labelsMatch(selector, d.spec.template.metadata.labels))) fault(o, "selects no Deployment's pods");
  }
}
