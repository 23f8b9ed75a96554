/** Types for undici's Agent imported by its module path (see undici-webhook-sender.ts). */
declare module "undici/lib/dispatcher/agent.js" {
  import type { Agent } from "undici";
  const AgentClass: typeof Agent;
  export default AgentClass;
}
