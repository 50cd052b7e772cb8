/**
 * `tfc:AgentToken`: an agent authentication token (`at-...`) of one agent pool. The secret is
 * returned once, at creation, so any input change creates a new token first and then deletes the
 * old one (agents keep working during the switch), and `read` keeps the secret it cannot read back.
 * API: POST|GET /agent-pools/:id/authentication-tokens, DELETE /authentication-tokens/:id.
 */
import * as pulumi from "@pulumi/pulumi";
import { apiRequest, dataOf, listAll, ifPresent } from "./client";
import { configureSettings, connectionFor, diffFields, type TfcProvider, gone } from "./dynamic-support";
import { withSecretOutputs } from "./secret-outputs";

export interface AgentTokenArgs {
  /** The pool the token registers agents into; changing it replaces the token. */
  readonly agentPoolId: pulumi.Input<string>;
  /** Shown in the HCP Terraform UI; changing it replaces the token. */
  readonly description: pulumi.Input<string>;
}

export interface AgentTokenInputs {
  agentPoolId: string;
  description: string;
}

export interface AgentTokenState extends AgentTokenInputs {
  /** The secret agents register with; secret in state through `additionalSecretOutputs`. */
  token: string;
}

const subject = (inputs: Partial<AgentTokenInputs>) =>
  `agent token "${String(inputs.description ?? "")}" of agent pool ${String(inputs.agentPoolId ?? "")}`;

export const agentTokenProvider: TfcProvider<AgentTokenInputs, AgentTokenState> = {
  configure(req) {
    this.settings = configureSettings(req);
    return Promise.resolve();
  },

  check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (typeof news.agentPoolId !== "string" || news.agentPoolId === "") {
      failures.push({ property: "agentPoolId", reason: "agentPoolId is required (an apool-... id)" });
    }
    if (typeof news.description !== "string" || news.description.trim() === "") {
      failures.push({ property: "description", reason: "description is required" });
    }
    return Promise.resolve({
      inputs: { agentPoolId: news.agentPoolId, description: news.description },
      failures,
    });
  },

  diff(_id, olds, news) {
    const { changes, replaces } = diffFields(olds as never, news as never, {
      replaceOn: ["agentPoolId", "description"],
      updateOn: [],
    });
    // Create the new token before deleting the old one: running agents are never left without one.
    return Promise.resolve({ changes, replaces, deleteBeforeReplace: false });
  },

  async create(inputs) {
    const res = await apiRequest(connectionFor(this.settings), {
      method: "POST",
      path: `/agent-pools/${encodeURIComponent(inputs.agentPoolId)}/authentication-tokens`,
      body: { data: { type: "authentication-tokens", attributes: { description: inputs.description } } },
      subject: subject(inputs),
    });
    const data = dataOf(res, subject(inputs));
    const token = data.attributes?.token;
    if (typeof token !== "string" || token === "") {
      throw new Error(`HCP Terraform created ${subject(inputs)} (${data.id}) but returned no token secret`);
    }
    return { id: data.id, outs: { agentPoolId: inputs.agentPoolId, description: inputs.description, token } };
  },

  async read(id, props) {
    const previous = props ?? ({} as Partial<AgentTokenState>);
    if (!previous.agentPoolId) {
      throw new Error(
        `cannot read agent token ${id} without its agentPoolId; import it with the agentPoolId input set`,
      );
    }
    const tokens = await ifPresent(
      listAll(
        connectionFor(this.settings),
        `/agent-pools/${encodeURIComponent(previous.agentPoolId)}/authentication-tokens`,
        subject(previous),
      ),
    );
    if (tokens === undefined) return gone<AgentTokenState>();
    const live = tokens.find((t) => t.id === id);
    if (!live) return gone<AgentTokenState>();
    const description = live.attributes?.description;
    return {
      id,
      props: {
        agentPoolId: previous.agentPoolId,
        description: typeof description === "string" ? description : String(previous.description ?? ""),
        // The API never shows the secret again: keep the one stored at creation.
        token: previous.token ?? "",
      },
    };
  },

  async delete(id, props) {
    await ifPresent(
      apiRequest(connectionFor(this.settings), {
        method: "DELETE",
        path: `/authentication-tokens/${encodeURIComponent(id)}`,
        subject: subject(props),
      }),
    );
  },
};

export class AgentToken extends pulumi.dynamic.Resource {
  declare readonly agentPoolId: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  /** The agent registration secret (`TFC_AGENT_TOKEN`); always a secret Output. */
  declare readonly token: pulumi.Output<string>;

  constructor(name: string, args: AgentTokenArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      agentTokenProvider,
      name,
      { agentPoolId: args.agentPoolId, description: args.description, token: undefined },
      withSecretOutputs(opts, ["token"]),
      "tfc",
      "AgentToken",
    );
    // State secrecy comes from additionalSecretOutputs (the engine); this keeps the program-side
    // Output secret too, whatever engine or mock resolved it.
    (this as { token: pulumi.Output<string> }).token = pulumi.secret(this.token);
  }
}
