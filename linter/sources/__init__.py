"""Where node files come from besides plain folders: the product's stock files, Kubernetes manifests, Ansible roles."""
