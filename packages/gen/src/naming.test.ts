import { describe, expect, it } from "vitest";
import { NameRegistry, groupProperty, groupVersionTypePrefix, lowerCamelFromPascal, resourceAccessor, typeName, versionProperty } from "./naming.js";

describe("resource accessors", () => {
  it.each([
    ["httproutes", "HTTPRoute", "httpRoutes"],
    ["grpcroutes", "GRPCRoute", "grpcRoutes"],
    ["apiservices", "APIService", "apiServices"],
    ["ipaddresses", "IPAddress", "ipAddresses"],
    ["csidrivers", "CSIDriver", "csiDrivers"],
    ["csinodes", "CSINode", "csiNodes"],
    ["csistoragecapacities", "CSIStorageCapacity", "csiStorageCapacities"],
    ["networkpolicies", "NetworkPolicy", "networkPolicies"],
    ["pods", "Pod", "pods"],
    ["endpoints", "Endpoints", "endpoints"],
    ["ingresses", "Ingress", "ingresses"],
    ["componentstatuses", "ComponentStatus", "componentStatuses"],
    ["certificatesigningrequests", "CertificateSigningRequest", "certificateSigningRequests"],
    ["selfsubjectreviews", "SelfSubjectReview", "selfSubjectReviews"],
    ["dash-things", "DashThing", "dashThings"],
    ["default", "Default", "default_"],
    ["classes", "Klass", "classes"],
    ["0things", "Thing", "_0things"],
  ])("%s of %s → %s", (plural, kind, expected) => {
    expect(resourceAccessor(plural, kind)).toBe(expected);
  });

  it("lower-cases a leading acronym as one word", () => {
    expect(lowerCamelFromPascal("CSR")).toBe("csr");
    expect(lowerCamelFromPascal("VolumeAttachment")).toBe("volumeAttachment");
    expect(lowerCamelFromPascal("PVCThing")).toBe("pvcThing");
  });
});

describe("group and version properties", () => {
  it.each([
    ["", "core"],
    ["apps", "apps"],
    ["rbac.authorization.k8s.io", "rbacAuthorization"],
    ["flowcontrol.apiserver.k8s.io", "flowcontrolApiserver"],
    ["example.com", "exampleCom"],
    ["cert-manager.io", "certManagerIo"],
    ["foo-bar.example.com", "fooBarExampleCom"],
    ["foo.bar.example.com", "fooBarExampleCom"],
  ])("group %j → %s", (group, expected) => {
    expect(groupProperty(group)).toBe(expected);
  });

  it("keeps versions that do not start with v, as identifiers", () => {
    expect(versionProperty("v1beta2")).toBe("v1beta2");
    expect(versionProperty("2024-01")).toBe("_2024_01");
    expect(versionProperty("stable")).toBe("stable");
  });

  it("prefixes group-version type names", () => {
    expect(groupVersionTypePrefix("rbac.authorization.k8s.io", "v1")).toBe("RbacAuthorizationV1");
    expect(groupVersionTypePrefix("", "v1")).toBe("CoreV1");
    expect(groupVersionTypePrefix("example.com", "2024-01")).toBe("ExampleCom2024_01");
  });

  it("escapes type names that are not identifiers or shadow what generated code uses", () => {
    expect(typeName("Pod")).toBe("Pod");
    expect(typeName("Record")).toBe("Record_");
    expect(typeName("my-kind")).toBe("MyKind");
  });
});

describe("NameRegistry", () => {
  it("names both owners of a colliding name", () => {
    const registry = new NameRegistry("API groups");
    registry.claim(groupProperty("foo-bar.example.com"), 'group "foo-bar.example.com"');
    expect(registry.claim("core", 'group ""')).toBe("core");
    expect(() => registry.claim(groupProperty("foo.bar.example.com"), 'group "foo.bar.example.com"')).toThrowError(
      'API groups: group "foo-bar.example.com" and group "foo.bar.example.com" would both be named "fooBarExampleCom"',
    );
  });
});
