{{/* Chart name, truncated to the 63 characters Kubernetes allows in a name. */}}
{{- define "ferrite.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-qualified name; the release name alone when it already contains the chart name. */}}
{{- define "ferrite.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ferrite.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{ include "ferrite.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "ferrite.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ferrite.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
A TOML value: strings quoted, whole numbers as integers (Helm reads numbers as float64, which
would print 1000000 as 1e+06), other numbers and booleans as they are.
*/}}
{{- define "ferrite.tomlValue" -}}
{{- if kindIs "string" . -}}
{{- . | quote -}}
{{- else if and (kindIs "float64" .) (eq (floor .) .) -}}
{{- int64 . -}}
{{- else -}}
{{- . -}}
{{- end -}}
{{- end -}}

{{/* The client and metrics ports, from the rendered configuration. */}}
{{- define "ferrite.port" -}}
{{- int64 (default 6379 .Values.ferrite.config.server.port) -}}
{{- end -}}
{{- define "ferrite.metricsPort" -}}
{{- int64 (default 9090 .Values.ferrite.config.metrics.port) -}}
{{- end -}}
