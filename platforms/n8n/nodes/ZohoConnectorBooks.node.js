// Zoho Books: every Books action of the component, as resources and operations.
const shared = require('./manifest-properties.js');

class ZohoConnectorBooks {
  constructor() {
    this.description = {
      displayName: 'Zoho Books',
      name: 'zohoConnectorBooks',
      icon: 'file:zohoBooks.svg',
      // An AI agent in n8n can call every operation as a tool.
      usableAsTool: true,
      group: ['transform'],
      version: 1,
      subtitle: '={{$parameter["operation"]}}',
      description: 'Zoho Books records, files and record actions of any organization',
      defaults: { name: 'Zoho Books' },
      inputs: ['main'],
      outputs: ['main'],
      credentials: [{ name: shared.CREDENTIAL, required: true }],
      properties: shared.actionProperties(shared.booksActions),
    };
    // Dropdowns listed from Zoho through the component.
    this.methods = shared.nodeMethods(shared.booksActions, 'operation');
  }

  async execute() {
    return shared.execute(this, shared.booksActions);
  }
}

module.exports = { ZohoConnectorBooks };
