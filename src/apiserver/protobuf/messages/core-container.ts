/**
 * @module apiserver/protobuf/messages/core-container
 *
 * Messages of core/v1 for containers: Container (and EphemeralContainer, which repeats its
 * fields inline), env, resources, mounts, probes, lifecycle hooks and security context.
 * Notation: see `../schema.ts`.
 */
import type { MessageDecls } from '../schema.js';

/** Container and EphemeralContainerCommon have the same fields and numbers. */
const containerFields = {
  name: '1 string !',
  image: '2 string',
  command: '3 []string',
  args: '4 []string',
  workingDir: '5 string',
  ports: '6 []ContainerPort',
  envFrom: '19 []EnvFromSource',
  env: '7 []EnvVar',
  resources: '8 ResourceRequirements',
  resizePolicy: '23 []ContainerResizePolicy',
  restartPolicy: '24 *string',
  volumeMounts: '9 []VolumeMount',
  volumeDevices: '21 []VolumeDevice',
  livenessProbe: '10 *Probe',
  readinessProbe: '11 *Probe',
  startupProbe: '22 *Probe',
  lifecycle: '12 *Lifecycle',
  terminationMessagePath: '13 string',
  terminationMessagePolicy: '20 string',
  imagePullPolicy: '14 string',
  securityContext: '15 *SecurityContext',
  stdin: '16 bool',
  stdinOnce: '17 bool',
  tty: '18 bool',
} as const;

export const coreContainerMessages: MessageDecls = {
  Container: containerFields,
  EphemeralContainer: {
    ephemeralContainerCommon: '1 EphemeralContainerCommon inline',
    targetContainerName: '2 string',
  },
  // Upstream embeds the shared fields as a nested message on the wire and inline in JSON.
  EphemeralContainerCommon: containerFields,
  ContainerPort: {
    name: '1 string',
    hostPort: '2 int32',
    containerPort: '3 int32 !',
    protocol: '4 string',
    hostIP: '5 string',
  },
  EnvFromSource: {
    prefix: '1 string',
    configMapRef: '2 *ConfigMapEnvSource',
    secretRef: '3 *SecretEnvSource',
  },
  ConfigMapEnvSource: {
    localObjectReference: '1 LocalObjectReference inline',
    optional: '2 *bool',
  },
  SecretEnvSource: {
    localObjectReference: '1 LocalObjectReference inline',
    optional: '2 *bool',
  },
  EnvVar: {
    name: '1 string !',
    value: '2 string',
    valueFrom: '3 *EnvVarSource',
  },
  EnvVarSource: {
    fieldRef: '1 *ObjectFieldSelector',
    resourceFieldRef: '2 *ResourceFieldSelector',
    configMapKeyRef: '3 *ConfigMapKeySelector',
    secretKeyRef: '4 *SecretKeySelector',
  },
  ObjectFieldSelector: {
    apiVersion: '1 string',
    fieldPath: '2 string !',
  },
  ResourceFieldSelector: {
    containerName: '1 string',
    resource: '2 string !',
    divisor: '3 Quantity',
  },
  ConfigMapKeySelector: {
    localObjectReference: '1 LocalObjectReference inline',
    key: '2 string !',
    optional: '3 *bool',
  },
  SecretKeySelector: {
    localObjectReference: '1 LocalObjectReference inline',
    key: '2 string !',
    optional: '3 *bool',
  },
  ResourceRequirements: {
    limits: '1 map[string]Quantity',
    requests: '2 map[string]Quantity',
    claims: '3 []ResourceClaim',
  },
  ResourceClaim: {
    name: '1 string !',
    request: '2 string',
  },
  ContainerResizePolicy: {
    resourceName: '1 string !',
    restartPolicy: '2 string !',
  },
  VolumeMount: {
    name: '1 string !',
    readOnly: '2 bool',
    recursiveReadOnly: '7 *string',
    mountPath: '3 string !',
    subPath: '4 string',
    mountPropagation: '5 *string',
    subPathExpr: '6 string',
  },
  VolumeDevice: {
    name: '1 string !',
    devicePath: '2 string !',
  },
  Probe: {
    handler: '1 ProbeHandler inline',
    initialDelaySeconds: '2 int32',
    timeoutSeconds: '3 int32',
    periodSeconds: '4 int32',
    successThreshold: '5 int32',
    failureThreshold: '6 int32',
    terminationGracePeriodSeconds: '7 *int64',
  },
  ProbeHandler: {
    exec: '1 *ExecAction',
    httpGet: '2 *HTTPGetAction',
    tcpSocket: '3 *TCPSocketAction',
    grpc: '4 *GRPCAction',
  },
  ExecAction: {
    command: '1 []string',
  },
  HTTPGetAction: {
    path: '1 string',
    port: '2 IntOrString !',
    host: '3 string',
    scheme: '4 string',
    httpHeaders: '5 []HTTPHeader',
  },
  HTTPHeader: {
    name: '1 string !',
    value: '2 string !',
  },
  TCPSocketAction: {
    port: '1 IntOrString !',
    host: '2 string',
  },
  GRPCAction: {
    port: '1 int32 !',
    service: '2 *string !',
  },
  Lifecycle: {
    postStart: '1 *LifecycleHandler',
    preStop: '2 *LifecycleHandler',
  },
  LifecycleHandler: {
    exec: '1 *ExecAction',
    httpGet: '2 *HTTPGetAction',
    tcpSocket: '3 *TCPSocketAction',
    sleep: '4 *SleepAction',
  },
  SleepAction: {
    seconds: '1 int64 !',
  },
  SecurityContext: {
    capabilities: '1 *Capabilities',
    privileged: '2 *bool',
    seLinuxOptions: '3 *SELinuxOptions',
    windowsOptions: '10 *WindowsSecurityContextOptions',
    runAsUser: '4 *int64',
    runAsGroup: '8 *int64',
    runAsNonRoot: '5 *bool',
    readOnlyRootFilesystem: '6 *bool',
    allowPrivilegeEscalation: '7 *bool',
    procMount: '9 *string',
    seccompProfile: '11 *SeccompProfile',
    appArmorProfile: '12 *AppArmorProfile',
  },
  Capabilities: {
    add: '1 []string',
    drop: '2 []string',
  },
  SELinuxOptions: {
    user: '1 string',
    role: '2 string',
    type: '3 string',
    level: '4 string',
  },
  WindowsSecurityContextOptions: {
    gmsaCredentialSpecName: '1 *string',
    gmsaCredentialSpec: '2 *string',
    runAsUserName: '3 *string',
    hostProcess: '4 *bool',
  },
  SeccompProfile: {
    type: '1 string !',
    localhostProfile: '2 *string',
  },
  AppArmorProfile: {
    type: '1 string !',
    localhostProfile: '2 *string',
  },
};
