// A client in another language: drives each service's health check and real RPCs from
// Node.js with @grpc/grpc-js and @grpc/proto-loader, straight from the .proto files.
//
// Inputs (environment): CONNECTION_ADDRESS, DRAWING_ADDRESS, NOTIFICATION_ADDRESS,
// PLATFORM_TOKEN, PROTOS_DIR. Output: one JSON object on stdout with what it saw; exit 1
// with a message on stderr when a call fails unexpectedly. Refusals are decoded from their
// grpc-status-details-bin trailer with protobufjs and the vendored google/rpc protos.
"use strict";

const path = require("path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");
const protobuf = require("protobufjs");

const LOAD_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};
const DEADLINE_MS = 10000;

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function load(file, includeDirs) {
  return grpc.loadPackageDefinition(protoLoader.loadSync(file, { ...LOAD_OPTIONS, includeDirs }));
}

function call(client, method, request, token) {
  const metadata = new grpc.Metadata();
  if (token) metadata.set("authorization", `Bearer ${token}`);
  const deadline = new Date(Date.now() + DEADLINE_MS);
  return new Promise((resolve, reject) => {
    client[method](request, metadata, { deadline }, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

// Decodes failed calls' google.rpc.Status from the vendored protos/google/rpc files, and
// knows the reason catalogue from protos/connectability/v1/error_reason.proto.
function errorDecoder(protos) {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => path.join(protos, target);
  const files = [
    "google/rpc/status.proto",
    "google/rpc/error_details.proto",
    "connectability/v1/error_reason.proto",
  ];
  root.loadSync(files, { keepCase: true });
  const Status = root.lookupType("google.rpc.Status");
  const ErrorInfo = root.lookupType("google.rpc.ErrorInfo");
  const reasons = root.lookupEnum("connectability.v1.ErrorReason").values;
  return (error) => {
    const [bytes] = error.metadata.get("grpc-status-details-bin");
    const status = Status.decode(bytes);
    const packed = status.details.find((any) => any.type_url.endsWith("/google.rpc.ErrorInfo"));
    const info = ErrorInfo.toObject(ErrorInfo.decode(packed.value), { defaults: true });
    return {
      code: error.code,
      status_code: status.code,
      reason: info.reason,
      domain: info.domain,
      metadata: info.metadata,
      catalogued: Object.hasOwn(reasons, info.reason) && reasons[info.reason] !== 0,
    };
  };
}

async function refusal(decode, promise) {
  try {
    await promise;
  } catch (error) {
    return decode(error);
  }
  throw new Error("the call succeeded but was expected to fail");
}

async function eventually(probe, timeoutMs) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function main() {
  const protos = env("PROTOS_DIR");
  const token = env("PLATFORM_TOKEN");
  const addresses = {
    connection: env("CONNECTION_ADDRESS"),
    drawing: env("DRAWING_ADDRESS"),
    notification: env("NOTIFICATION_ADDRESS"),
  };
  const loaded = load(
    [
      ["v1", "connection_service.proto"],
      ["internal/v1", "drawing_internal_service.proto"],
      ["internal/v1", "notification_internal_service.proto"],
    ].map(([dir, file]) => path.join(protos, "connectability", dir, file)),
    [protos],
  ).connectability;
  const api = loaded.v1;
  // The facts each service holds about a project are read through the internal services,
  // which the platform identity may call.
  const internal = loaded.internal.v1;
  const health = load(path.join(__dirname, "health.proto"), [__dirname]).grpc.health.v1;
  const credentials = grpc.credentials.createInsecure();
  const services = {
    connection: new api.ConnectionService(addresses.connection, credentials),
    drawing: new internal.DrawingInternalService(addresses.drawing, credentials),
    notification: new internal.NotificationInternalService(addresses.notification, credentials),
  };

  const seen = { health: {}, project_name: {} };
  for (const [name, address] of Object.entries(addresses)) {
    const checker = new health.Health(address, credentials);
    seen.health[name] = (await call(checker, "Check", { service: "" })).status;
  }

  const { company } = await call(
    services.connection,
    "CreateCompany",
    { company: { name: "Node Builders", file_storage_location: "us" } },
    token,
  );
  seen.company_id = company.id;
  const { project } = await call(
    services.connection,
    "CreateProject",
    { project: { company_id: company.id, name: "Node Tower" } },
    token,
  );
  seen.project_id = project.id;
  seen.project_state = project.state;
  seen.project_name.connection = (
    await call(services.connection, "GetProject", { project_id: project.id }, token)
  ).project.name;
  for (const name of ["drawing", "notification"]) {
    // Facts reach the services below right after the connection service commits.
    const answer = await eventually(
      () => call(services[name], "GetProject", { project_id: project.id }, token),
      10000,
    );
    seen.project_name[name] = answer.project.name;
  }

  const decode = errorDecoder(protos);
  seen.unauthenticated = await refusal(
    decode,
    call(services.connection, "GetProject", { project_id: project.id }, null),
  );
  seen.bad_email = await refusal(
    decode,
    call(
      services.connection,
      "CreateUser",
      { user: { company_id: company.id, email: "not-an-address", display_name: "Node" } },
      token,
    ),
  );
  for (const client of Object.values(services)) client.close();
  process.stdout.write(JSON.stringify(seen) + "\n");
}

main().catch((error) => {
  process.stderr.write(`node client failed: ${error.stack || error}\n`);
  process.exit(1);
});
