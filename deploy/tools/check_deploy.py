#!/usr/bin/python3
"""Static checks of deploy/: every YAML/JSON file parses, Collector configs are consistent,
compose files reference files that exist, Grafana provisioning is coherent, and the Helm chart's
ConfigMap renders into ferrite.toml files (written to OUT_DIR for deploy/check.sh to pass to
`ferrite --test-config`). Also writes the dashboard's PromQL as a rules file for promtool.

Usage: check_deploy.py DEPLOY_DIR OUT_DIR. Exit 1 with one line per problem on failure.
"""
import json
import math
import os
import re
import sys

import yaml

DEPLOY, OUT = sys.argv[1], sys.argv[2]
errors = []


def fail(msg):
    errors.append(msg)


def rel(p):
    return os.path.relpath(p, DEPLOY)


def load_yaml(path, multi=False):
    with open(path) as f:
        return list(yaml.safe_load_all(f)) if multi else yaml.safe_load(f)


# 1. Every YAML and JSON file parses (Helm templates are Go templates, checked in step 6).
docs = {}
for root, _, files in os.walk(DEPLOY):
    for name in sorted(files):
        path = os.path.join(root, name)
        if "/templates/" in path:
            continue
        try:
            if name.endswith((".yaml", ".yml")):
                docs[rel(path)] = load_yaml(path, multi=True)
            elif name.endswith(".json"):
                with open(path) as f:
                    docs[rel(path)] = [json.load(f)]
        except Exception as e:  # noqa: BLE001 - any parse error is a finding
            fail(f"{rel(path)}: does not parse: {e}")

# 2. Collector configurations. Component types present in otelcol-contrib 0.96.0, and the option
# keys this repository uses for the ones whose options changed over time.
RECEIVERS = {"otlp"}
PROCESSORS = {"batch", "memory_limiter", "resource", "attributes", "k8sattributes"}
EXPORTERS = {"otlp", "otlphttp", "prometheus", "prometheusremotewrite", "loki", "logging", "debug"}
ALLOWED_KEYS = {
    # `labels`, `tenant` and `format` were removed in contrib v0.76.0.
    "loki": {"endpoint", "headers", "tls", "timeout", "default_labels_enabled", "sending_queue",
             "retry_on_failure", "auth", "compression"},
    "logging": {"loglevel", "verbosity", "sampling_initial", "sampling_thereafter"},
    "debug": {"verbosity", "sampling_initial", "sampling_thereafter"},
}


def check_collector(name, cfg):
    if not isinstance(cfg, dict):
        return fail(f"{name}: not a mapping")
    kinds = {"receivers": RECEIVERS, "processors": PROCESSORS, "exporters": EXPORTERS}
    for kind, known in kinds.items():
        for comp, opts in (cfg.get(kind) or {}).items():
            ctype = comp.split("/")[0]
            if ctype not in known:
                fail(f"{name}: unknown {kind[:-1]} type '{ctype}'")
            allowed = ALLOWED_KEYS.get(ctype)
            if allowed and opts:
                for key in set(opts) - allowed:
                    fail(f"{name}: {comp}: option '{key}' does not exist in Collector 0.96")
    pipelines = (cfg.get("service") or {}).get("pipelines") or {}
    if not pipelines:
        fail(f"{name}: no pipelines")
    used = set()
    for pname, p in pipelines.items():
        if pname.split("/")[0] not in ("traces", "metrics", "logs"):
            fail(f"{name}: pipeline '{pname}' has an unknown signal")
        for kind in kinds:
            for comp in p.get(kind) or []:
                used.add((kind, comp))
                if comp not in (cfg.get(kind) or {}):
                    fail(f"{name}: pipeline {pname} uses undefined {kind[:-1]} '{comp}'")
        if not p.get("receivers") or not p.get("exporters"):
            fail(f"{name}: pipeline {pname} needs receivers and exporters")
    for kind in kinds:
        for comp in cfg.get(kind) or {}:
            if (kind, comp) not in used:
                fail(f"{name}: {kind[:-1]} '{comp}' is defined but in no pipeline")
    return cfg


collectors = {}
for f in ["otel-collector-config.yaml", "otel-collector-config.debug.yaml",
          "otel-collector-config-full.yaml", "otel-collector-config-full.debug.yaml"]:
    if f not in docs:
        fail(f"{f}: missing")
        continue
    collectors[f] = check_collector(f, docs[f][0])


def swap_debug(cfg):
    """cfg with the logging exporter renamed debug and its options translated."""
    s = json.dumps(cfg).replace('"logging"', '"debug"')
    out = json.loads(s)
    out["exporters"]["debug"] = {"verbosity": "basic"}
    return out


for seed, current in [("otel-collector-config.yaml", "otel-collector-config.debug.yaml"),
                      ("otel-collector-config-full.yaml", "otel-collector-config-full.debug.yaml")]:
    a, b = collectors.get(seed), collectors.get(current)
    if a and b:
        if "logging" not in a["exporters"] or "debug" in a["exporters"]:
            fail(f"{seed}: should use the docs' `logging` exporter")
        if swap_debug(a) != b:
            fail(f"{current}: differs from {seed} by more than logging -> debug")

for f in ["otel-collector-k8s.yaml", "otel-collector-k8s.v1beta1.yaml"]:
    if f not in docs:
        fail(f"{f}: missing")
        continue
    cr = docs[f][0]
    if cr.get("kind") != "OpenTelemetryCollector":
        fail(f"{f}: kind is not OpenTelemetryCollector")
    conf = cr["spec"]["config"]
    if cr["apiVersion"] == "opentelemetry.io/v1alpha1":
        if not isinstance(conf, str):
            fail(f"{f}: v1alpha1 config must be a string")
        conf = yaml.safe_load(conf)
    elif cr["apiVersion"] == "opentelemetry.io/v1beta1":
        if not isinstance(conf, dict):
            fail(f"{f}: v1beta1 config must be an object")
    else:
        fail(f"{f}: unexpected apiVersion {cr['apiVersion']}")
    collectors[f] = check_collector(f, conf)
if collectors.get("otel-collector-k8s.yaml") != collectors.get("otel-collector-k8s.v1beta1.yaml"):
    fail("otel-collector-k8s.v1beta1.yaml: Collector config differs from otel-collector-k8s.yaml")

# 3. Compose files: the docs' images, mounted files that exist, the Dockerfile build section.
IMAGES = {"ferrite": "ghcr.io/ferrite-rs/ferrite:latest",
          "otel-collector": "otel/opentelemetry-collector-contrib:0.96.0",
          "jaeger": "jaegertracing/all-in-one:1.53", "prometheus": "prom/prometheus:v2.48.0",
          "grafana": "grafana/grafana:10.2.0", "loki": "grafana/loki:2.9.0"}
VAR = re.compile(r"\$\{(\w+):-([^}]*)\}")
for f, want in [("docker-compose.yaml", set(IMAGES) - {"loki"}),
                ("docker-compose-full-otel.yaml", set(IMAGES))]:
    c = docs.get(f, [None])[0]
    if not c:
        fail(f"{f}: missing")
        continue
    services = c.get("services", {})
    if set(services) != want:
        fail(f"{f}: services {sorted(services)} != {sorted(want)}")
    named_volumes = set(c.get("volumes") or {})
    for sname, s in services.items():
        if s.get("image") != IMAGES.get(sname):
            fail(f"{f}: {sname}: image {s.get('image')} != {IMAGES.get(sname)}")
        for v in s.get("volumes") or []:
            src = VAR.sub(lambda m: m.group(2), v).split(":")[0]
            if src.startswith("."):
                if not os.path.exists(os.path.join(DEPLOY, src)):
                    fail(f"{f}: {sname}: mounts {src}, which does not exist")
            elif src not in named_volumes:
                fail(f"{f}: {sname}: volume {src} is not declared")
        for d in (s.get("depends_on") or []):
            if d not in services:
                fail(f"{f}: {sname}: depends on unknown service {d}")
    b = services.get("ferrite", {}).get("build") or {}
    ctx = os.path.normpath(os.path.join(DEPLOY, b.get("context", "")))
    if not os.path.isfile(os.path.join(ctx, b.get("dockerfile", "Dockerfile"))):
        fail(f"{f}: ferrite build section does not point at a Dockerfile")
    ports = services.get("ferrite", {}).get("ports") or []
    if "6379:6379" not in ports or "9090:9090" not in ports:
        fail(f"{f}: ferrite must publish 6379 and 9090")
for alt in ["otel-collector-config.debug.yaml", "otel-collector-config-full.debug.yaml"]:
    if not os.path.exists(os.path.join(DEPLOY, alt)):
        fail(f"{alt}: missing (selectable through OTEL_COLLECTOR_CONFIG)")

# 4. Grafana: data sources, the derived field, the dashboard's datasource uids and queries.
ds_doc = docs.get("grafana/provisioning/datasources/datasources.yaml", [{}])[0] or {}
ds = {d["uid"]: d for d in ds_doc.get("datasources", [])}
for uid, typ in [("prometheus", "prometheus"), ("jaeger", "jaeger"), ("loki", "loki")]:
    if ds.get(uid, {}).get("type") != typ:
        fail(f"datasources.yaml: no {typ} data source with uid {uid}")
derived = ds.get("loki", {}).get("jsonData", {}).get("derivedFields", [])
if not derived:
    fail("datasources.yaml: Loki has no derived field")
for d in derived:
    if d.get("datasourceUid") not in ds:
        fail(f"datasources.yaml: derived field links to unknown uid {d.get('datasourceUid')}")
    rx = re.compile(d["matcherRegex"])
    tid = "0af7651916cd43dd8448eb211c80319c"
    for line in ['{"level":"INFO","message":"x","trace_id":"%s"}' % tid,
                 '{"body":"x","traceid":"%s","spanid":"b7ad6b7169203331"}' % tid]:
        m = rx.search(line)
        if not m or m.group(1) != tid:
            fail(f"datasources.yaml: derived field regex does not extract the trace id from {line}")
    if d.get("url") != "$${__value.raw}":
        fail("datasources.yaml: derived field url must be $${__value.raw} ($$ escapes Grafana's env expansion)")
prov = docs.get("grafana/provisioning/dashboards/dashboards.yaml", [{}])[0] or {}
for p in prov.get("providers", []):
    path = p["options"]["path"]
    local = os.path.join(DEPLOY, "grafana/provisioning", os.path.relpath(path, "/etc/grafana/provisioning"))
    if not os.path.isdir(local) or not any(n.endswith(".json") for n in os.listdir(local)):
        fail(f"dashboards.yaml: provider path {path} has no dashboard in this repository")
SEED_QUERIES = [
    "sum(rate(ferrite_commands_total[1m])) by (command)",
    "histogram_quantile(0.99, sum(rate(ferrite_command_duration_bucket[5m])) by (le, command))",
    "ferrite_cache_hit_rate",
    "ferrite_hybridlog_tier_size",
    "ferrite_memory_used / ferrite_memory_max * 100",
]
promql = []
for f, d in docs.items():
    if not f.endswith(".json"):
        continue
    for panel in d[0].get("panels", []):
        for t in panel.get("targets", []):
            uid = (t.get("datasource") or panel.get("datasource") or {}).get("uid")
            if uid not in ds:
                fail(f"{f}: panel '{panel.get('title')}' uses unknown datasource uid {uid}")
            elif ds[uid]["type"] == "prometheus":
                promql.append(t["expr"])
for q in SEED_QUERIES:
    if q not in promql:
        fail(f"dashboard: the docs' query `{q}` is missing")
with open(os.path.join(OUT, "dashboard-rules.yml"), "w") as f:
    yaml.safe_dump({"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{i}", "expr": q} for i, q in enumerate(promql)]}]}, f)

# 5. The compose ferrite.toml must agree with the rest of the stack.
with open(os.path.join(DEPLOY, "ferrite.toml")) as f:
    toml_text = f.read()
for needle in ['endpoint = "http://otel-collector:4317"', 'dir = "/var/lib/ferrite"']:
    if needle not in toml_text:
        fail(f"ferrite.toml: expected `{needle}`")
if not re.search(r'\[metrics\][^\[]*bind = "0\.0\.0\.0"', toml_text):
    fail("ferrite.toml: [metrics] bind must be 0.0.0.0 for Prometheus to reach ferrite:9090")

# 6. Helm chart: references to .Values exist, and the ConfigMap renders.
CHART = os.path.join(DEPLOY, "helm/charts/ferrite")
chart_values = load_yaml(os.path.join(CHART, "values.yaml"))
if load_yaml(os.path.join(CHART, "Chart.yaml")).get("apiVersion") != "v2":
    fail("Chart.yaml: apiVersion must be v2")
tdir = os.path.join(CHART, "templates")
for name in sorted(os.listdir(tdir)):
    text = open(os.path.join(tdir, name)).read()
    if text.count("{{") != text.count("}}"):
        fail(f"templates/{name}: unbalanced {{{{ }}}}")
    for ref in set(re.findall(r"\.Values((?:\.\w+)+)", text)):
        node = chart_values
        for part in ref.strip(".").split("."):
            if not isinstance(node, dict) or part not in node:
                fail(f"templates/{name}: .Values{ref} has no default in values.yaml")
                break
            node = node[part]
# The configmap template's loop, as it must read for the emulation below to be faithful.
cm = open(os.path.join(tdir, "configmap.yaml")).read()
for line in ["{{- range $section, $keys := .Values.ferrite.config }}",
             "[{{ $section }}]", "{{ $key }} = {{ include \"ferrite.tomlValue\" $value }}",
             "[{{ $section }}.{{ $table }}]",
             "{{ $key | quote }} = {{ include \"ferrite.tomlValue\" $value }}"]:
    if line not in cm:
        fail(f"templates/configmap.yaml: expected `{line}` (the check emulates that loop)")


def merge(base, over):
    """Helm's values merge: maps merge recursively, anything else is replaced."""
    out = dict(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(out.get(k), dict) and isinstance(v, dict) else v
    return out


def toml_value(v):
    """ferrite.tomlValue: Helm reads every number as float64."""
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)   # sprig quote = Go %q for these strings
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        f = float(v)
        return str(int(f)) if math.isfinite(f) and f == math.floor(f) else repr(f)
    fail(f"helm: value {v!r} of type {type(v).__name__} cannot be rendered into TOML")
    return "0"


def render_toml(values):
    out = ["# Rendered from the chart's ferrite.config values."]
    for section in sorted(values["ferrite"]["config"]):
        keys = values["ferrite"]["config"][section]
        out += ["", f"[{section}]"]
        out += [f"{k} = {toml_value(v)}" for k, v in sorted(keys.items()) if not isinstance(v, dict)]
        for table in sorted(k for k, v in keys.items() if isinstance(v, dict)):
            out += ["", f"[{section}.{table}]"]
            out += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in sorted(keys[table].items())]
    return "\n".join(out) + "\n"


seed_values = load_yaml(os.path.join(DEPLOY, "helm/values.yaml"))
extra = {"ferrite": {"config": {"telemetry": {"resource_attributes": {"deployment.environment": "prod"},
                                                "headers": {"Authorization": "Bearer ${OTEL_AUTH_TOKEN}"}},
                                  "storage": {"max_memory": 1073741824}}}}
for name, vals in [("helm-defaults", chart_values), ("helm-seed-values", merge(chart_values, seed_values)),
                   ("helm-tables", merge(merge(chart_values, seed_values), extra))]:
    with open(os.path.join(OUT, f"{name}.toml"), "w") as f:
        f.write(render_toml(vals))
merged = merge(chart_values, seed_values)
if merged["ferrite"]["config"]["telemetry"]["endpoint"] != "http://ferrite-collector-collector.ferrite:4317":
    fail("helm/values.yaml: telemetry endpoint is not the Operator's Collector service")
if not any(e.get("name") == "OTEL_RESOURCE_ATTRIBUTES" for e in merged["ferrite"]["env"]):
    fail("helm/values.yaml: ferrite.env lacks OTEL_RESOURCE_ATTRIBUTES")

for e in errors:
    print("check_deploy:", e)
print(f"check_deploy: {len(docs)} YAML/JSON files, {len(collectors)} Collector configs, "
      f"{len(promql)} dashboard queries: {'FAILED' if errors else 'OK'}")
sys.exit(1 if errors else 0)
