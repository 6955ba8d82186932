{{/* The release's name for its objects. */}}
{{- define "wirewatch.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "wirewatch.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "wirewatch.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The Secret with the credentials: the one named, or the chart's own. */}}
{{- define "wirewatch.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "wirewatch.fullname" .)) -}}
{{- end -}}

{{/* Bootstrap servers: Strimzi's bootstrap service (SCRAM over TLS, 9093) or the external cluster. */}}
{{- define "wirewatch.bootstrap" -}}
{{- if .Values.strimzi.enabled -}}
{{- printf "%s-kafka-bootstrap:9093" .Values.strimzi.clusterName -}}
{{- else -}}
{{- .Values.kafka.bootstrap -}}
{{- end -}}
{{- end -}}

{{- define "wirewatch.securityProtocol" -}}
{{- if .Values.strimzi.enabled -}}SASL_SSL{{- else -}}{{ .Values.kafka.securityProtocol }}{{- end -}}
{{- end -}}

{{/* A topic's full name. */}}
{{- define "wirewatch.topic" -}}
{{- printf "%s.%s" .root.Values.topicPrefix .name -}}
{{- end -}}

{{- define "wirewatch.maxReplicas" -}}
{{- $max := int (.stage.autoscaling.maxReplicas | default 0) -}}
{{- if le $max 0 }}{{ .root.Values.partitions }}{{ else }}{{ $max }}{{ end -}}
{{- end -}}

{{/* KEDA's name of the SASL mechanism. */}}
{{- define "wirewatch.kedaSasl" -}}
{{- $m := ternary "SCRAM-SHA-512" .Values.kafka.saslMechanism .Values.strimzi.enabled -}}
{{- get (dict "PLAIN" "plaintext" "SCRAM-SHA-256" "scram_sha256" "SCRAM-SHA-512" "scram_sha512") $m -}}
{{- end -}}

{{/* A consumer group's id: bare under the default prefix, else "<prefix>.<group>" (schemas/topics.py Topics.group). */}}
{{- define "wirewatch.group" -}}
{{- if eq .root.Values.topicPrefix "wirewatch" -}}{{ .name }}{{- else -}}{{ printf "%s.%s" .root.Values.topicPrefix .name }}{{- end -}}
{{- end -}}
