/**
 * Boot script of a mirrorsink instance (Amazon Linux 2023): kernel tuning, config and filter
 * files, Docker, and the systemd unit that runs the image. The unit, prestart script and
 * sysctl file are the ones in deploy/systemd and deploy/sysctl, embedded verbatim, so what
 * the docs describe is what the instances run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, Token, aws_ec2 as ec2 } from 'aws-cdk-lib';

/** deploy/ (this file is compiled to deploy/dist/lib/). */
export const DEPLOY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The container image runs as this user (Dockerfile: useradd --uid); it owns /var/lib/mirrorsink. */
export const CONTAINER_UID = 10001;

/** EC2 rejects user data over 16 KB (before base64). */
export const USER_DATA_LIMIT = 16 * 1024;

export type ConfigSource =
  /** mirrorsink.yaml content, written into the user data. */
  | { inline: string }
  /** Name of an SSM String parameter (starting with '/') holding mirrorsink.yaml, read at each start. */
  | { ssmParameter: string };

export interface SinkUserDataProps {
  image: string;
  config: ConfigSource;
  /** Filter YAML, written to /etc/mirrorsink/filter.yaml for the sink to load. */
  filterYaml: string;
  /** Shell commands run after kernel tuning and before the sink starts. */
  bootCommands?: string[];
}

const HEREDOC = 'MIRRORSINK_EOF';

function deployFile(rel: string): string {
  return readFileSync(path.join(DEPLOY_ROOT, rel), 'utf8');
}

/** A file written with a quoted heredoc: no shell expansion inside. */
function writeFile(target: string, content: string, mode: string): string[] {
  if (!Token.isUnresolved(content) && content.split('\n').includes(HEREDOC)) {
    throw new Error(`mirrorsink: ${target} content contains a line '${HEREDOC}', which would end the user-data heredoc`);
  }
  const body = content.endsWith('\n') ? content.slice(0, -1) : content;
  return [`install -d -m 0755 ${path.posix.dirname(target)}`, `cat > ${target} <<'${HEREDOC}'`, body, HEREDOC, `chmod ${mode} ${target}`];
}

export function sinkUserData(props: SinkUserDataProps): ec2.UserData {
  if (!Token.isUnresolved(props.image) && !/^[a-z0-9][\w.\-/:@]*$/i.test(props.image)) {
    throw new Error(`mirrorsink: '${props.image}' is not a container image reference`);
  }
  const env = [
    `MIRRORSINK_IMAGE=${props.image}`,
    `AWS_DEFAULT_REGION=${Aws.REGION}`,
    ...('ssmParameter' in props.config ? [`MIRRORSINK_CONFIG_PARAMETER=${props.config.ssmParameter}`] : []),
  ].join('\n');

  const ud = ec2.UserData.forLinux({ shebang: '#!/bin/bash' });
  ud.addCommands(
    'set -euo pipefail',
    `export AWS_DEFAULT_REGION=${Aws.REGION}`,
    '# Kernel: socket buffers and backlog for bursts of mirrored UDP.',
    ...writeFile('/etc/sysctl.d/99-mirrorsink.conf', deployFile('sysctl/99-mirrorsink.conf'), '0644'),
    'sysctl --system',
    '# Config, filter and state directories (state is written by the container user).',
    ...writeFile('/etc/mirrorsink/filter.yaml', props.filterYaml, '0644'),
    ...('inline' in props.config ? writeFile('/etc/mirrorsink/mirrorsink.yaml', props.config.inline, '0644') : []),
    ...writeFile('/etc/mirrorsink/container.env', env, '0644'),
    `install -d -m 0750 -o ${CONTAINER_UID} -g ${CONTAINER_UID} /var/lib/mirrorsink`,
    ...(props.bootCommands ?? []),
    '# Docker and the unit that runs the image.',
    'dnf install -y docker',
    'systemctl enable --now docker',
    ...writeFile('/usr/local/libexec/mirrorsink-prestart', deployFile('systemd/mirrorsink-prestart.sh'), '0755'),
    ...writeFile('/etc/systemd/system/mirrorsink.service', deployFile('systemd/mirrorsink-container.service'), '0644'),
    'systemctl daemon-reload',
    'systemctl enable --now mirrorsink.service',
  );
  const rendered = ud.render();
  // With tokens the final size is known only at deploy time; tokens here are short (region,
  // parameter values), so the literal part is what matters.
  const bytes = Buffer.byteLength(rendered, 'utf8');
  if (bytes > USER_DATA_LIMIT) {
    throw new Error(
      `mirrorsink: user data is ${bytes} bytes, over EC2's ${USER_DATA_LIMIT}: shorten the config, or keep it in an SSM parameter (configParameter)`,
    );
  }
  return ud;
}
