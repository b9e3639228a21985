// Box Client Credentials Grant: the app's client id and secret buy a token for its service
// account (box_subject_type=enterprise) or for one user (box_subject_type=user).
import type { Grant } from './token-source.js';

export interface BoxSubject {
  type: 'enterprise' | 'user';
  id: string;
}

export function boxCcgGrant(clientId: string, clientSecret: string, subject: BoxSubject): Grant {
  return {
    form: () => ({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      box_subject_type: subject.type,
      box_subject_id: subject.id,
    }),
  };
}
