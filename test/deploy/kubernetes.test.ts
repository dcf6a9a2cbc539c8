// deploy/kubernetes/ checked offline: every document against the Kubernetes schemas that
// kubernetes-models ships, and the settings this deployment relies on, which a schema cannot know.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { CronJob } from "kubernetes-models/batch/v1";
import { ConfigMap, PersistentVolumeClaim, Secret } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";
import { loadConfigFile } from "../../src/config-file.js";
import { tempDir } from "../helpers/tmp.js";

const DIR = fileURLToPath(new URL("../../../deploy/kubernetes/", import.meta.url));

// Manifests are free-form JSON here: the schemas check their shape.
type Doc = Record<string, any>;

/** The model class for each apiVersion/kind used here; anything else fails the test. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  "batch/v1/CronJob": CronJob,
  "v1/ConfigMap": ConfigMap,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "v1/Secret": Secret,
};

function documents(): Array<{ file: string; doc: Doc }> {
  const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length >= 4, `manifests in ${DIR}`);
  return files.flatMap((file) =>
    parseAllDocuments(fs.readFileSync(path.join(DIR, file), "utf8")).map((d) => {
      assert.deepEqual(d.errors, [], `${file} is valid YAML`);
      return { file, doc: d.toJS() as Doc };
    }),
  );
}

const byKind = (kind: string): Doc => {
  const found = documents().filter((d) => d.doc.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0]!.doc;
};

describe("deploy/kubernetes", () => {
  it("every document is a known kind and valid against its schema", () => {
    for (const { file, doc } of documents()) {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      assert.ok(Model, `${file}: no schema here for ${doc.apiVersion} ${doc.kind}`);
      assert.doesNotThrow(() => new Model(doc).validate(), `${file}: ${doc.kind}`);
    }
  });

  it("the CronJob runs fetch every 15 minutes, one at a time, non-root on a read-only root", () => {
    const cron = byKind("CronJob");
    assert.equal(cron.spec.schedule, "*/15 * * * *");
    assert.equal(cron.spec.concurrencyPolicy, "Forbid");
    assert.ok(cron.spec.startingDeadlineSeconds >= 10, "the controller checks every 10 s");
    const pod = cron.spec.jobTemplate.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.runAsUser, 1000, "the image's user");
    assert.equal(pod.securityContext.fsGroup, 1000, "so the volume is writable");
    assert.equal(pod.containers.length, 1);
    const c = pod.containers[0];
    assert.deepEqual(c.args, ["fetch"]);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
    for (const k of ["requests", "limits"]) {
      assert.ok(c.resources[k].cpu && c.resources[k].memory, `resources.${k}`);
    }
    const mounts = new Map<string, string>(c.volumeMounts.map((m: Doc) => [m.mountPath, m.name]));
    const volumes = new Map<string, Doc>(pod.volumes.map((v: Doc) => [v.name, v]));
    const env = new Map<string, string>(c.env.map((e: Doc) => [e.name, e.value]));
    // The data dir is the claim, the file comes from the ConfigMap, /tmp is writable.
    assert.equal(
      volumes.get(mounts.get(env.get("VCO_DATA_DIR")!)!)?.persistentVolumeClaim?.claimName,
      byKind("PersistentVolumeClaim").metadata.name,
    );
    const config = env.get("VCO_CONFIG")!;
    const configVolume = volumes.get(mounts.get(path.dirname(config))!);
    assert.equal(configVolume?.configMap?.name, byKind("ConfigMap").metadata.name);
    assert.ok(byKind("ConfigMap").data[path.basename(config)], "the file is in the ConfigMap");
    assert.ok(volumes.get(mounts.get("/tmp")!)?.emptyDir, "/tmp is an emptyDir");
    assert.equal(c.envFrom[0].secretRef.name, byKind("Secret").metadata.name);
  });

  it("the ConfigMap's file is valid with the Secret's variables, and holds no secret itself", async () => {
    const dir = tempDir();
    const file = path.join(dir, "vco.yaml");
    fs.writeFileSync(file, byKind("ConfigMap").data["vco.yaml"]);
    const parsed = await loadConfigFile(file, {
      ...byKind("Secret").stringData,
      VCO_DATA_DIR: "/data",
    });
    assert.deepEqual(
      parsed.orchestrators.map((o) => [o.name, o.dataDir]),
      [
        ["emea", "/data/emea"],
        ["us", "/data/us"],
      ],
    );
    assert.deepEqual(parsed.literalSecrets, []);
  });
});
