// The operators' custom resources, as far as the manifests use them. Kubernetes' own kinds come typed from the
// kubernetes-types package; no package carries these two operators' types, so they are written here from the
// operators' API references (RabbitMQ Cluster Operator rabbitmq.com/v1beta1, CloudNativePG postgresql.cnpg.io/v1).
// A field the manifests start to use must be added here first, which is the point: a typo fails the check.
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";
import type { ResourceRequirements, TopologySpreadConstraint } from "kubernetes-types/core/v1.js";

type Quantity = string;

export interface RabbitmqCluster {
  apiVersion: "rabbitmq.com/v1beta1";
  kind: "RabbitmqCluster";
  metadata: ObjectMeta;
  spec: {
    replicas?: 1 | 3 | 5 | 7; // an odd number of nodes keeps a quorum
    image?: string;
    resources?: ResourceRequirements;
    persistence?: { storageClassName?: string; storage?: Quantity };
    rabbitmq?: { additionalPlugins?: string[]; additionalConfig?: string; advancedConfig?: string; envConfig?: string };
    service?: { type?: "ClusterIP" | "LoadBalancer" | "NodePort"; annotations?: Record<string, string> };
    tls?: { secretName?: string; caSecretName?: string; disableNonTLSListeners?: boolean };
    override?: {
      statefulSet?: { spec?: { template?: { spec?: { topologySpreadConstraints?: TopologySpreadConstraint[] } } } };
    };
  };
}

interface LocalSecretReference { name: string }

export interface Cluster {
  apiVersion: "postgresql.cnpg.io/v1";
  kind: "Cluster";
  metadata: ObjectMeta;
  spec: {
    instances: number;
    imageName?: string;
    primaryUpdateStrategy?: "unsupervised" | "supervised";
    postgresql?: { parameters?: Record<string, string>; pg_hba?: string[] };
    bootstrap?: { initdb?: { database?: string; owner?: string; secret?: LocalSecretReference } };
    managed?: {
      roles?: {
        name: string; ensure?: "present" | "absent"; login?: boolean; superuser?: boolean; createdb?: boolean;
        createrole?: boolean; inherit?: boolean; replication?: boolean; connectionLimit?: number;
        passwordSecret?: LocalSecretReference; inRoles?: string[];
      }[];
    };
    storage?: { size?: Quantity; storageClass?: string };
    walStorage?: { size?: Quantity; storageClass?: string };
    resources?: ResourceRequirements;
    affinity?: { enablePodAntiAffinity?: boolean; topologyKey?: string; podAntiAffinityType?: "preferred" | "required" };
    monitoring?: { enablePodMonitor?: boolean };
  };
}

export interface Database {
  apiVersion: "postgresql.cnpg.io/v1";
  kind: "Database";
  metadata: ObjectMeta;
  spec: { name: string; owner: string; cluster: LocalSecretReference; ensure?: "present" | "absent" };
}
