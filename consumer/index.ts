// Wiring only: read and validate the stack config, then build the consumer (program.ts).
import * as pulumi from "@pulumi/pulumi";
import { consumerProgram } from "./program";
import { CONSUMER_NAMESPACE, readConsumerSettings } from "./settings";

const config = new pulumi.Config(CONSUMER_NAMESPACE);
const outputs = consumerProgram(
  readConsumerSettings({ get: (key) => config.get(key), getSecret: (key) => config.getSecret(key) }),
);

export const groupName = outputs.groupName;
export const userName = outputs.userName;
export const leaseId = outputs.leaseId;
