/** Names shared by the coordinator (main.ts) and the catalog module the nodes load (machines.ts). */
export const SYSTEM = 'order-workflow';
export const ORDER_BEHAVIOUR = 'order-workflow.order';
export const KV_BUCKET = 'order-workflow-snapshots';
/** The NATS URL the catalog opens the KV store at; main.ts sets it, the node processes inherit it. */
export const NATS_URL_ENV = 'ORDER_WORKFLOW_NATS';
