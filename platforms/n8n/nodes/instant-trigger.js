// A webhook trigger node for one instant trigger of the manifest, which keeps its own channel:
// n8n's activation opens it against the node's production URL (webhookMethods), stores it
// (token included) in the workflow's static data, and deactivation closes it. Each POST is
// verified with the channel's token by the component before the workflow starts; a POST that
// is not from the channel is refused with 401 and starts nothing.
//
// Renewal: the node also polls (n8n's Poll Times, every minute by default), and a poll past
// the channel's renewal time renews it; a poll costs nothing else and starts nothing.
// Activation (n8n starting, or the workflow switched on) renews a channel that is due too,
// and opens a new one for a channel that has expired.
const shared = require('./manifest-properties.js');
// The channel lifecycle comes through manifest-properties.js, which the package bundles.
const { bodyText, closeChannel, isNotification, lifecycleForm, openChannel, renewChannel, renewDue } = shared.channels;

/** Where the channel is kept, in the node's static data. */
const CHANNEL = 'zohoChannel';

const expired = (channel) => {
  const at = Date.parse(channel?.channelExpiry ?? '');
  return Number.isFinite(at) && at <= Date.now();
};

function instantTrigger({ entry, displayName, name, icon, description }) {
  const form = lifecycleForm(entry);
  const invokeWith = (connector) => (key, input) => connector.invoke(key, shared.CONNECTION, input);
  const lifecycle = async (context, step) => {
    const connector = await shared.connectorFor(context);
    try {
      return await step(invokeWith(connector));
    } catch (error) {
      throw shared.asNodeError(context, error, 0);
    }
  };
  return {
    description: {
      // Polled only to renew the channel in time; see the comment at the top.
      ...shared.triggerNodeDescription({ displayName, name, icon, description, subtitle: '={{$parameter["events"]}}' }),
      webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'zoho' }],
      properties: shared.entryProperties(form, {}).map(({ displayOptions: _none, ...property }) => property),
    },
    webhookMethods: {
      default: {
        async checkExists() {
          const data = this.getWorkflowStaticData('node');
          const channel = data[CHANNEL];
          if (!channel || expired(channel)) return false;
          if (channel.notifyUrl !== this.getNodeWebhookUrl('default')) {
            // n8n's address changed: the old channel would POST where nobody listens.
            await lifecycle(this, (invoke) => closeChannel(invoke, entry, channel));
            delete data[CHANNEL];
            return false;
          }
          if (renewDue(channel)) data[CHANNEL] = await lifecycle(this, (invoke) => renewChannel(invoke, form, channel, shared.inputsOf(this, form)));
          return true;
        },
        async create() {
          const data = this.getWorkflowStaticData('node');
          const url = this.getNodeWebhookUrl('default');
          data[CHANNEL] = await lifecycle(this, (invoke) => openChannel(invoke, form, shared.inputsOf(this, form), url));
          return true;
        },
        async delete() {
          const data = this.getWorkflowStaticData('node');
          const channel = data[CHANNEL];
          if (channel) await lifecycle(this, (invoke) => closeChannel(invoke, entry, channel));
          delete data[CHANNEL];
          return true;
        },
      },
    },
    async webhook() {
      const channel = this.getWorkflowStaticData('node')[CHANNEL];
      const request = this.getRequestObject();
      const body = bodyText(request.rawBody ?? this.getBodyData());
      const refuse = () => {
        this.getResponseObject().status(401).send('not a notification of this channel');
        return { noWebhookResponse: true };
      };
      if (!channel || !isNotification(body)) return refuse();
      const connector = await shared.connectorFor(this);
      let result;
      try {
        result = await connector.handleNotification(shared.CONNECTION, channel, body);
      } catch (error) {
        if (error?.case === 'invalid-input') return refuse();
        throw shared.asNodeError(this, error, 0);
      }
      if (result.events.length === 0) return { webhookResponse: 'ok' };
      return { workflowData: [this.helpers.returnJsonArray(result.events)] };
    },
    async poll() {
      if (this.getMode() === 'manual') return null;
      const data = this.getWorkflowStaticData('node');
      const channel = data[CHANNEL];
      if (channel && renewDue(channel)) {
        // Kept in this poller's copy of the static data, so it renews once; after a restart
        // the activation renews a channel that is due.
        data[CHANNEL] = await lifecycle(this, (invoke) => renewChannel(invoke, form, channel, shared.inputsOf(this, form)));
      }
      return null;
    },
  };
}

module.exports = { instantTrigger };
