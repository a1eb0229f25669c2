// Validates Kubernetes objects against the Kubernetes OpenAPI schemas (kubernetes-models) and Strimzi's CRD
// schemas (@kubernetes-models/strimzi-kafka-operator) and the Prometheus operator's
// (@kubernetes-models/prometheus-operator), picking the model by apiVersion and kind. A kind with
// no model is a problem, not a pass.
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import * as strimziKafka from "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1beta2";
import * as apps from "kubernetes-models/apps/v1";
import * as autoscaling from "kubernetes-models/autoscaling/v2";
import * as batch from "kubernetes-models/batch/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as core from "kubernetes-models/v1";
import type { K8sObject } from "./kubectl.ts";

interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: unknown): { validate(): void };
}

function isModel(value: unknown): value is ModelClass {
  return typeof value === "function" && typeof (value as { apiVersion?: unknown }).apiVersion === "string";
}

const MODELS = new Map<string, ModelClass>();
for (const module of [core, apps, autoscaling, batch, policy, strimziKafka, monitoring] as Record<
  string,
  unknown
>[]) {
  for (const value of Object.values(module)) {
    if (isModel(value)) MODELS.set(`${value.apiVersion}/${value.kind}`, value);
  }
}

export function describeObject(o: K8sObject): string {
  return `${o.kind}/${o.metadata?.name ?? "(no name)"}`;
}

/** Schema problems of one object; empty when it is valid. */
export function validateK8sObject(o: K8sObject): string[] {
  const model = MODELS.get(`${o.apiVersion}/${o.kind}`);
  if (model === undefined) return [`${describeObject(o)}: no schema for ${o.apiVersion} ${o.kind}`];
  try {
    new model(o).validate();
    return [];
  } catch (error) {
    return [`${describeObject(o)}: ${error instanceof Error ? error.message : String(error)}`];
  }
}
