// The request side of the streaming property collector path (transport.ts
// `retrieve`): node-soap still serialises the operation from the WSDL, with its own
// escaping of moref values, paths and type names and the hand-set xsi:type of
// TraversalSpecs; only the envelope around it is assembled here, the way
// soap/lib/client.js `_invoke` does for a document/literal SOAP 1.1 call.
import type soap from 'soap';

interface OperationInput {
  $name: string;
  targetNSAlias: string;
  targetNamespace: string;
  $type?: string;
  $lookupType?: string;
}

interface BoundOperation {
  soapAction?: string;
  input: OperationInput;
}

export interface SoapRequest {
  xml: string;
  /** SOAPAction header value, quoted */
  soapAction: string;
}

const envelopeUri = 'http://schemas.xmlsoap.org/soap/envelope/';
const xsiUri = 'http://www.w3.org/2001/XMLSchema-instance';

function boundOperation(client: soap.Client, operation: string): BoundOperation {
  const services = client.wsdl.definitions.services as unknown as Record<
    string,
    { ports: Record<string, { binding: { methods: Record<string, BoundOperation | undefined> } }> }
  >;
  for (const service of Object.values(services)) {
    for (const port of Object.values(service.ports)) {
      const method = port.binding.methods[operation];
      if (method) return method;
    }
  }
  throw new Error(`the vSphere WSDL has no operation ${operation}`);
}

/** The complete SOAP request for `operation` with `args`, as node-soap would send it. */
export function soapRequest(client: soap.Client, operation: string, args: object): SoapRequest {
  const method = boundOperation(client, operation);
  const { input } = method;
  const message = client.wsdl.objectToDocumentXML(
    input.$name,
    args,
    input.targetNSAlias,
    input.targetNamespace,
    input.$type ?? input.$lookupType,
  ) as string;
  const xml =
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<soap:Envelope xmlns:soap="${envelopeUri}" xmlns:xsi="${xsiUri}" ${client.wsdl.xmlnsInEnvelope}>` +
    `<soap:Body>${message}</soap:Body></soap:Envelope>`;
  return { xml, soapAction: `"${method.soapAction ?? ''}"` };
}
